"""Times the committee's ranking with normalisation, in pure code (no database, no app).

    .venv/bin/python -m bench.ranking_bench [--files 100000] [--reviewers 200] [--seed 1] [--repeat 3] [--profile]

Data (fixed seed, random.Random(seed)): `files` eligible files, each scored by 2 distinct
reviewers drawn at random among `reviewers`; each reviewer has a severity (offset) and a
spread of their own, each file a quality; a weighted total is quality + severity + noise,
bounded to 0..20 and kept to three decimals (Decimal, as Numeric(7,3) gives it back). Every
candidate has a diploma average (two decimals) and a submission time, so ties on the final
score (frequent: 100,000 files on 20,001 possible thousandths) go through the tie rule.

Measured: the best of `repeat` runs of each, as CPU time of this process (time.process_time:
the verdict, since the machines are shared and a run may wait for a core held by others) and
as wall time (time.perf_counter, printed beside it; equal to the CPU time on an idle machine).
The cyclic garbage collector is paused during the ranking (the functions do it themselves).
  - rank(reviews, candidates, normalise=True): Decimal totals → thousandths, per-reviewer
    normalisation and its report, final scores, ties, ranks 1..n;    target < 1 s;
  - preview_normalisation(...): the raw and the normalised rankings and who changes rank
    (what the page shows before normalisation is adopted), for information;
  - the canonical serialisation and its SHA-256 (for the seal), for information.
"""
import argparse
import os
import random
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import fr, verdict  # noqa: E402

TARGET_SECONDS = 1.0


def generate(files: int, reviewers: int, seed: int):
    """(reviews, candidates) for the benchmark, the same for a given seed."""
    from quota_app.committee.normalisation import ReviewTotal
    from quota_app.committee.ranking import Candidate

    rng = random.Random(seed)
    severity = [rng.gauss(0, 1.5) for _ in range(reviewers)]
    spread = [rng.uniform(0.6, 1.4) for _ in range(reviewers)]
    opened = datetime(2026, 3, 1, 8, 0)
    candidates = []
    reviews = []
    for file_id in range(1, files + 1):
        quality = rng.gauss(11, 3)
        candidates.append(Candidate(
            file_id=file_id, reference=f"MLI-2026-{file_id:06d}",
            diploma_average=Decimal(rng.randint(1000, 1900)).scaleb(-2),
            submitted_at=opened + timedelta(seconds=rng.randint(0, 45 * 86400))))
        for reviewer in rng.sample(range(reviewers), 2):
            total = quality * spread[reviewer] + severity[reviewer] + rng.gauss(0, 1)
            milli = min(max(round(total * 1000), 0), 20000)
            reviews.append(ReviewTotal(file_id, reviewer + 1, Decimal(milli).scaleb(-3)))
    return reviews, candidates


def _best(function, repeat: int) -> tuple[float, float, object]:
    """(best CPU seconds, best wall seconds, last result) over `repeat` runs."""
    cpu = wall = result = None
    for _ in range(repeat):
        result = None  # the previous result is freed before the next run
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        result = function()
        seconds_cpu, seconds_wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
        cpu = seconds_cpu if cpu is None else min(cpu, seconds_cpu)
        wall = seconds_wall if wall is None else min(wall, seconds_wall)
    return cpu, wall, result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--reviewers", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one ranking (stderr)")
    args = parser.parse_args(argv)

    from quota_app.committee.ranking import TieRule, preview_normalisation, rank
    from quota_app.gcpause import gc_paused

    with gc_paused():
        reviews, candidates = generate(args.files, args.reviewers, args.seed)
    rule = TieRule()

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        rank(reviews, candidates, normalise=True, tie_rule=rule)
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(15)

    ranked_s, ranked_wall, ranking = _best(lambda: rank(reviews, candidates, normalise=True, tie_rule=rule),
                                           args.repeat)
    preview_s, preview_wall, preview = _best(lambda: preview_normalisation(reviews, candidates, tie_rule=rule),
                                             args.repeat)
    seal_s, seal_wall, digest = _best(lambda: ranking.digest(), args.repeat)

    rows = ranking.rows
    sound = ([r.rank for r in rows] == list(range(1, len(candidates) + 1))
             and all(a.final_milli >= b.final_milli for a, b in pairwise(rows))
             and preview.normalised.digest() == digest)
    report = ranking.normalisation
    ties = sum(1 for r in rows if r.decided_by)
    count = f"{len(reviews):,}".replace(",", " ")
    print(f"\nClassement du comité, code pur : {count} évaluations, "
          f"{f'{len(candidates):,}'.replace(',', ' ')} dossiers, {args.reviewers} évaluateurs "
          f"(graine {args.seed}, meilleur de {args.repeat})")
    print(f"  normalisés : {report.normalised_count} évaluateurs sur {len(report.reviewers)} ; "
          f"échelle du comité m = {fr(float(report.mean), 3)}, s = {fr(float(report.spread), 3)} ; "
          f"{f'{ties:,}'.replace(',', ' ')} égalités départagées par la règle ; "
          f"{f'{preview.changes.count:,}'.replace(',', ' ')} candidats changent de rang")
    load = os.getloadavg()[0]
    print(f"{'Mesure':<56}{'s CPU':>8}{'s réel':>8}  verdict")
    ok_rank = ranked_s < TARGET_SECONDS and sound
    print(f"{'classement normalisé (rank, normalise=True)':<56}{fr(ranked_s, 3):>8}{fr(ranked_wall, 3):>8}"
          f"  {verdict(ok_rank)}")
    print(f"{'aperçu : brut + normalisé + changements (information)':<56}{fr(preview_s, 3):>8}"
          f"{fr(preview_wall, 3):>8}")
    print(f"{'sérialisation canonique + SHA-256 (information)':<56}{fr(seal_s, 3):>8}{fr(seal_wall, 3):>8}")
    print(f"Cible : classement < {fr(TARGET_SECONDS, 0)} s de CPU (meilleur de {args.repeat}) ; charge de la machine "
          f"{fr(load, 1)} sur {os.cpu_count()} cœurs ; classement cohérent (rangs 1..n, notes décroissantes, "
          f"même empreinte) : {verdict(sound)}")
    return 0 if ok_rank else 1


if __name__ == "__main__":
    raise SystemExit(main())
