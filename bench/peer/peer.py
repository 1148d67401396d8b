#!/usr/bin/env python3
"""The peer a user would otherwise build: jieba + BM25 (bm25s) over sentence passages, top-1.

Reads the Chinese policy text in --corpus (every *.txt except the English *en.txt), splits it into
sentence passages, indexes them with bm25s and answers each question of --questions (JSON lines:
`question`, `found`, `expect`) with its single best passage. Scored with the rule of src/eval.rs;
prints one JSON object on stdout.
"""

import argparse
import json
import logging
import re
import sys
import time
from importlib import metadata
from pathlib import Path

import bm25s
import jieba

# A clause heading as the policy writes it: "(十七)完善…机制。" (ASCII or full-width brackets), or
# "第十七条 …". Its number and title (up to the first 。) prefix every passage of that paragraph.
CLAUSE = re.compile(r"^\s*([(（][一二三四五六七八九十百]+[)）][^。！？；\n]*|第[一二三四五六七八九十百]+条)")
# A sentence: text up to and including 。！？； (line ends split too, see passages()).
SENTENCE = re.compile(r"[^。！？；]+[。！？；]?")


def read_corpus(directory):
    """The Chinese policy text: every .txt file except the English translation (*en.txt)."""
    files = sorted(p for p in Path(directory).glob("*.txt") if not p.name.endswith("en.txt"))
    if not files:
        sys.exit(f"peer: no Chinese .txt file in {directory}")
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def passages(text):
    """(heading, sentence) pairs: split at 。！？； and line ends, empty ones dropped. The heading is
    the clause heading of the paragraph the sentence is in ("" outside any clause)."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        match = CLAUSE.match(line)
        heading = match.group(1).strip() if match else ""
        for sentence in SENTENCE.findall(line):
            sentence = sentence.strip()
            if sentence:
                out.append((heading, sentence))
    return out


def tokenize(text, cut):
    """jieba tokens, lowercased, with whitespace-only and punctuation-only tokens dropped."""
    return [t.lower() for t in cut(text) if any(ch.isalnum() for ch in t)]


def judge(item, answer):
    """src/eval.rs `judge`: a found:true item passes when the answer contains (plain, case-sensitive
    substring, no normalisation, as eval.rs does) one string of every `expect` group; a
    found:false item passes only when the bot refuses. This peer has no refusal of its own: it
    "refuses" only when BM25 scores no passage above 0 (no query token occurs in the corpus), and
    then it has no answer for a found:true item either."""
    if not item["found"]:
        return answer is None
    if answer is None:
        return False
    return all(any(s in answer for s in group) for group in item.get("expect", []))


def percentile(sorted_samples, p):
    """Same rule as crates/bench/src/stats.rs: sorted[round((n - 1) * p)]."""
    return sorted_samples[round((len(sorted_samples) - 1) * p)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="folder with the policy .txt files")
    parser.add_argument("--questions", required=True, help="JSON-lines question file")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes over the questions")
    parser.add_argument(
        "--cut",
        choices=["search", "default"],
        default="search",
        help="jieba mode: lcut_for_search (jieba's mode for search indexing; the default) or lcut",
    )
    parser.add_argument("--verbose", action="store_true", help="print each failure on stderr")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    jieba.setLogLevel(logging.WARNING)
    start = time.perf_counter_ns()
    jieba.initialize()  # loads the dictionary (from jieba's cache file in the temp dir after the first run)
    load_ms = (time.perf_counter_ns() - start) / 1e6
    cut = jieba.lcut_for_search if args.cut == "search" else jieba.lcut

    start = time.perf_counter_ns()
    corpus = passages(read_corpus(args.corpus))
    # What an answer shows: the sentence and, like the bot's "——第十七条 …" citation, its clause.
    shown = [f"{s}\n——{h}" if h else s for h, s in corpus]
    retriever = bm25s.BM25()
    retriever.index([tokenize(s, cut) for _, s in corpus], show_progress=False)
    index_build_ms = (time.perf_counter_ns() - start) / 1e6

    lines = Path(args.questions).read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines if line.strip()]

    times_us = []
    answers = [None] * len(items)
    for _ in range(args.repeat):
        for i, item in enumerate(items):
            t0 = time.perf_counter_ns()
            tokens = tokenize(item["question"], cut)
            docs, scores = retriever.retrieve([tokens], k=1, show_progress=False)
            t1 = time.perf_counter_ns()
            times_us.append((t1 - t0) / 1e3)
            best, score = int(docs[0, 0]), float(scores[0, 0])
            answers[i] = shown[best] if score > 0 else None

    failed = [item.get("id", str(i)) for i, item in enumerate(items) if not judge(item, answers[i])]
    if args.verbose:
        for i, item in enumerate(items):
            if item.get("id", str(i)) in failed:
                print(f"FAIL {item.get('id', i)} {item['question']}", file=sys.stderr)
                for line in (answers[i] or "(no passage scores above 0)").splitlines():
                    print(f"     | {line}", file=sys.stderr)

    times_us.sort()
    print(
        json.dumps(
            {
                "peer": "jieba+bm25s",
                "versions": {
                    "python": sys.version.split()[0],
                    "jieba": metadata.version("jieba"),
                    "bm25s": metadata.version("bm25s"),
                    "numpy": metadata.version("numpy"),
                },
                "cut": "lcut_for_search" if args.cut == "search" else "lcut",
                "passages": len(corpus),
                "index_build_ms": round(index_build_ms, 3),
                "load_ms": round(load_ms, 3),
                "questions": len(items),
                "passed": len(items) - len(failed),
                "failed": failed,
                "repeat": args.repeat,
                "p50_us": round(percentile(times_us, 0.50), 1),
                "p99_us": round(percentile(times_us, 0.99), 1),
                "mean_us": round(sum(times_us) / len(times_us), 1),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
