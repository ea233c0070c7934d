"""What audio analysis adds to enrichment: the enrichment decode (adapters/ffmpeg/
analysis.py) with and without its analysis-PCM output, the separate decode for songs
enriched before (analysis_pcm.py), and the analyser itself, on a generated song.

    PYTHONPATH=src:. .venv/bin/python bench/bench_enrich_analysis.py [--seconds 240] [--runs 5]

Prints medians (wall seconds) and times real time; runs alternate so load drift hits both.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy
from bench.analysis_corpus import generate_case, write_audio

from tonearm.adapters.ffmpeg import find_ffmpeg
from tonearm.adapters.ffmpeg.analysis import analyse_audio
from tonearm.adapters.ffmpeg.analysis_pcm import decode_analysis_pcm
from tonearm.analysis.analyser import analyse_pcm


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=240.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tool = find_ffmpeg(None)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wav = write_audio(generate_case(3, 2, duration=args.seconds), folder / "song.wav")
        source = folder / "song.flac"
        subprocess.run(
            [str(tool.ffmpeg), "-v", "error", "-i", str(wav), "-ac", "2", "-ar", "44100",
             str(source)],
            check=True,
        )  # fmt: skip
        pcm = folder / "song.f32"
        times: dict[str, list[float]] = {"decode": [], "decode+pcm": [], "pcm only": []}
        for _ in range(args.runs):
            for label in times:
                start = time.perf_counter()
                if label == "pcm only":
                    await decode_analysis_pcm(
                        tool,
                        source,
                        pcm,
                        max_seconds=3600,
                        limit_seconds=600,
                        memory_limit_bytes=None,
                    )
                else:
                    await analyse_audio(
                        tool,
                        source,
                        max_duration_seconds=3600,
                        limit_seconds=600,
                        memory_limit_bytes=None,
                        analysis_pcm=pcm if label == "decode+pcm" else None,
                    )
                times[label].append(time.perf_counter() - start)
        samples = numpy.fromfile(pcm, dtype="<f4")
        analyse_pcm(samples[:22050])  # warm-up
        analysed = []
        for _ in range(args.runs):
            start = time.perf_counter()
            analyse_pcm(samples)
            analysed.append(time.perf_counter() - start)
        times["analyse_pcm"] = analysed
    print(f"{args.seconds:g} s FLAC (44.1 kHz stereo), median of {args.runs}:")
    for label, values in times.items():
        median = statistics.median(values)
        print(f"  {label:<12} {median:6.3f} s  {median / args.seconds:.4f}x real time")


if __name__ == "__main__":
    asyncio.run(main())
