import gzip
from pathlib import Path

import numpy as np
import orjson
import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from gristmill import ConfigError, Pipeline, Tokenize
from gristmill.steps.tokenize import read_index
from tests.helpers import REPO, SEED, read_all, write_jsonl

WEB = REPO / "src" / "gristmill" / "samples" / "web" / "cc-main-2019-30-sample.jsonl.gz"


def build_tokenizer(path: Path) -> Path:
    """Train a small byte-level BPE on the texts at hand and save it as a tokenizer.json."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator([SEED.read_text(encoding="utf-8")], trainer=trainer)
    tokenizer.save(str(path))
    return path


def web_texts() -> list[str]:
    lines = gzip.decompress(WEB.read_bytes()).splitlines()
    return [orjson.loads(line)["text"] for line in lines if line.strip()]


def inputs(folder: Path) -> list[str]:
    folder.mkdir()
    texts = web_texts()
    chunks = [texts[i::3] for i in range(3)]
    for number, chunk in enumerate(chunks):
        write_jsonl(
            folder / f"part{number}.jsonl", [{"id": f"{number}-{i}", "text": t} for i, t in enumerate(chunk)]
        )
    return texts


def run(tmp_path: Path, out: str, workers: int = 1, **options: object) -> Path:
    step = Tokenize(tokenizer=str(tmp_path / "tokenizer.json"), **options)  # type: ignore[arg-type]
    Pipeline(input={"path": str(tmp_path / "in")}, output={"path": str(tmp_path / out)}, steps=[step]).run(
        workers=workers, progress=False
    )
    return tmp_path / out


def token_files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "tokens").iterdir())}


def read_tokens(out: Path) -> list[list[int]]:
    docs = []
    for idx in sorted((out / "tokens").glob("*.idx")):
        dtype, sizes, pointers = read_index(idx)
        data = idx.with_suffix(".bin").read_bytes()
        assert len(data) == int(sizes.sum()) * dtype.itemsize
        for size, pointer in zip(sizes, pointers, strict=True):
            docs.append(np.frombuffer(data, dtype=dtype, count=int(size), offset=int(pointer)).tolist())
    return docs


@pytest.fixture
def tokenizer(tmp_path: Path) -> Tokenizer:
    return Tokenizer.from_file(str(build_tokenizer(tmp_path / "tokenizer.json")))


def test_tokenize_counts_tokens_in_signals(tmp_path: Path, tokenizer: Tokenizer) -> None:
    inputs(tmp_path / "in")
    out = run(tmp_path, "out")
    kept = read_all(out / "kept")
    assert kept and all(d["signals"]["tokens"] == len(tokenizer.encode(d["text"]).ids) for d in kept)
    assert not (out / "tokens").exists()


def test_tokenize_writes_token_shards_identical_across_workers(tmp_path: Path, tokenizer: Tokenizer) -> None:
    inputs(tmp_path / "in")
    eos = tokenizer.token_to_id("<|endoftext|>")
    one = run(tmp_path, "one", write_tokens=True, eos="<|endoftext|>")
    two = run(tmp_path, "two", workers=2, write_tokens=True, eos="<|endoftext|>")
    assert token_files(one) == token_files(two)
    assert sorted(token_files(one)) == [f"{s:05d}-000.{x}" for s in range(3) for x in ("bin", "idx")]
    kept = read_all(one / "kept")
    expected = [[*ids, eos] for d in kept if (ids := tokenizer.encode(d["text"]).ids)]  # empty texts: none
    assert read_tokens(one) == expected
    assert (read_tokens(one)[0][-1], np.dtype(read_index(one / "tokens" / "00000-000.idx")[0])) == (
        eos,
        np.uint16,
    )


def test_tokenize_bounds_each_file_and_resumes_with_the_same_bytes(
    tmp_path: Path, tokenizer: Tokenizer
) -> None:
    inputs(tmp_path / "in")
    limit = 3000
    out = run(tmp_path, "out", write_tokens=True, max_tokens_per_file=limit)
    first = token_files(out)
    assert len(first) > 6  # every shard needed several parts
    for name in first:
        if name.endswith(".idx"):
            _, sizes, _ = read_index(out / "tokens" / name)
            assert sizes.sum() <= limit or len(sizes) == 1
    assert read_tokens(out) == [
        ids for d in read_all(out / "kept") if (ids := tokenizer.encode(d["text"]).ids)
    ]
    # A task killed after its files were renamed but before its done-marker is run again.
    (out / "_state" / "stage0" / "00001.done").unlink()
    for name in first:
        if name.startswith("00001-"):
            (out / "tokens" / name).unlink()
    run(tmp_path, "out", write_tokens=True, max_tokens_per_file=limit)
    assert token_files(out) == first
    assert not list((out / "tokens").glob(".tmp.*"))


def test_tokenize_bad_options_are_one_line_errors(tmp_path: Path, tokenizer: Tokenizer) -> None:
    (tmp_path / "broken.json").write_text('{"not": "a tokenizer"}', encoding="utf-8")
    cases = {
        str(tmp_path / "missing.json"): r"option 'tokenizer': no file .*missing.json",
        str(tmp_path / "broken.json"): r"option 'tokenizer': .*broken.json: not a tokenizer.json",
    }
    for path, message in cases.items():
        with pytest.raises(ConfigError, match=message) as error:
            Tokenize(tokenizer=path)
        assert "\n" not in str(error.value)
    with pytest.raises(ConfigError, match="option 'eos': '<eos>' is not in the vocabulary"):
        Tokenize(tokenizer=str(tmp_path / "tokenizer.json"), eos="<eos>")
    with pytest.raises(ConfigError, match="option 'max_tokens_per_file': must be 1 or more"):
        Tokenize(tokenizer=str(tmp_path / "tokenizer.json"), max_tokens_per_file=0)


def test_a_document_without_tokens_writes_nothing_to_the_token_files(
    tmp_path: Path, tokenizer: Tokenizer
) -> None:
    # A lone eos is no training sample: a document with no text (or only spaces the tokenizer drops)
    # passes on with signals.tokens = 0 and leaves the token files as if it were not there.
    (tmp_path / "in").mkdir()
    texts = ["Stalin and Trotsky argued.", "", "Lenin wrote a testament.", "", "Trotsky left Russia."]
    write_jsonl(tmp_path / "in" / "part0.jsonl", [{"id": f"d{i}", "text": t} for i, t in enumerate(texts)])
    eos = tokenizer.token_to_id("<|endoftext|>")
    out = run(tmp_path, "out", write_tokens=True, eos="<|endoftext|>")
    kept = read_all(out / "kept")
    assert [d["id"] for d in kept] == [f"d{i}" for i in range(5)]
    assert [d["signals"]["tokens"] for d in kept] == [len(tokenizer.encode(t).ids) for t in texts]
    assert read_tokens(out) == [[*tokenizer.encode(t).ids, eos] for t in texts if t]


def test_a_step_after_a_tokenize_that_writes_tokens_is_refused(tmp_path: Path, run_cli) -> None:
    # Token files hold the documents that reach tokenize: a later drop would leave its tokens behind.
    tokenizer = str(build_tokenizer(tmp_path / "tokenizer.json"))
    from gristmill import LengthFilter

    with pytest.raises(ConfigError, match=r"'tokenize' .* last .*'length_filter'"):
        Pipeline(
            input={"path": str(tmp_path / "in")},
            output={"path": str(tmp_path / "out")},
            steps=[Tokenize(tokenizer=tokenizer, write_tokens=True), LengthFilter(min_chars=10)],
        )
    Pipeline(  # counting tokens only: it may stand anywhere
        input={"path": str(tmp_path / "in")},
        output={"path": str(tmp_path / "out")},
        steps=[Tokenize(tokenizer=tokenizer), LengthFilter(min_chars=10)],
    )
    config = tmp_path / "p.yaml"
    config.write_text(
        f"input: {tmp_path}/in\noutput: {tmp_path}/out\nsteps:\n"
        f"  - tokenize: {{tokenizer: {tokenizer}, write_tokens: true}}\n"
        "  - length_filter: {min_chars: 10}\n"
    )
    result = run_cli("run", str(config))
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert not (tmp_path / "out").exists()
