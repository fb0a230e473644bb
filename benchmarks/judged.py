"""Hand-judged needs: print the top 5 of the platform and of a plain TF-IDF, store grades, report the table.

    python benchmarks/judged.py                 # print every top 5 (ungraded results marked "?")
    python benchmarks/judged.py --pending F     # write the ungraded (need, organisation) pairs to F (JSON)
    python benchmarks/judged.py --add F         # merge grades from F ({"need|org": 1 or 0}) into grades.json
    python benchmarks/judged.py --report        # the table (platform vs TF-IDF) -> results/judged.md

The needs (benchmarks/judged/needs.jsonl) are AUTHORED for this benchmark, 15 per kind of user, French and
English. A grade says whether a person with that need would find the organisation a plausible contact (1) or
not (0); grades are stored per (need, organisation) in benchmarks/judged/grades.json so reruns only ask for
new pairs. Run it from a worktree whose database and index are set up (`flask --app matchmaker setup`).
"""

from __future__ import annotations

import argparse
import json
import re
import unicodedata
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import select

from matchmaker import create_app
from matchmaker.extensions import db
from matchmaker.models import Evidence, Organisation
from matchmaker.services.search import parse_search_request, search_organisations

ROOT = Path(__file__).resolve().parent
NEEDS = ROOT / "judged" / "needs.jsonl"
GRADES = ROOT / "judged" / "grades.json"
ASKERS = {
    "startup": "start-up looking for labs or platforms",
    "buyer": "buyer looking for a supplier",
    "hospital": "hospital looking for a solution",
}


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


class PlainTfidf:
    """TF-IDF (sub-linear tf, accents folded) over each organisation's concatenated evidence, buyers excluded."""

    def __init__(self) -> None:
        texts: dict[str, list[str]] = {}
        rows = db.session.execute(
            select(Organisation.key, Organisation.kind, Evidence.text)
            .join(Evidence)
            .where(Organisation.kind != "buyer")
        )
        for key, _kind, text in rows:
            texts.setdefault(key, []).append(text)
        self.keys = list(texts)
        self.vectorizer = TfidfVectorizer(sublinear_tf=True, preprocessor=_fold, token_pattern=r"(?u)\b\w\w+\b")
        self.matrix = self.vectorizer.fit_transform(" ".join(t) for t in texts.values())

    def top(self, query: str, k: int = 5) -> list[str]:
        scores = (self.matrix @ self.vectorizer.transform([query]).T).toarray().ravel()
        if not scores.any():
            return []
        return [self.keys[i] for i in np.argsort(-scores, kind="stable")[:k] if scores[i] > 0]


def run(app) -> dict:
    """Return, per need, the platform's and TF-IDF's top 5 with what a grader needs to read."""
    needs = [json.loads(line) for line in NEEDS.read_text().splitlines() if line.strip()]
    out = {}
    with app.app_context():
        engine = app.extensions["matchmaker"]
        tfidf = PlainTfidf()
        for need in needs:
            request = parse_search_request(need["query"], limit=5, max_chars=4000, max_results=50)
            results = search_organisations(engine, db.session, request)
            platform = [
                {
                    "key": h.organisation.key,
                    "name": h.organisation.name,
                    "kind": h.organisation.kind,
                    "strength": h.match.strength,
                    "evidence": h.match.passages[0].text[:160] if h.match.passages else "",
                    "origin": [name for _, name in h.origin_labs],
                }
                for h in results.hits
            ]
            keys = tfidf.top(need["query"])
            orgs = {o.key: o for o in db.session.scalars(select(Organisation).where(Organisation.key.in_(keys)))}
            baseline = [{"key": k, "name": orgs[k].name, "kind": orgs[k].kind} for k in keys]
            out[need["id"]] = {
                "need": need,
                "sought": results.intent.sought,
                "strong": results.strong_match,
                "platform": platform,
                "tfidf": baseline,
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pending", type=Path)
    parser.add_argument("--add", type=Path)
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args()
    grades: dict[str, int] = json.loads(GRADES.read_text()) if GRADES.exists() else {}
    if args.add:
        grades.update({k: int(v) for k, v in json.loads(args.add.read_text()).items()})
        GRADES.write_text(json.dumps(dict(sorted(grades.items())), indent=1, ensure_ascii=False) + "\n")
        print(f"{len(grades)} grades stored")
        return
    results = run(create_app())
    pending = {}
    for need_id, result in results.items():
        print(
            f"\n== {need_id} [{result['need']['asker']}, intent {result['sought']}, "
            f"{'strong match' if result['strong'] else 'NO STRONG MATCH'}] {result['need']['query']}"
        )
        for side in ("platform", "tfidf"):
            for rank, hit in enumerate(result[side], 1):
                grade = grades.get(f"{need_id}|{hit['key']}")
                mark = "?" if grade is None else ("+" if grade else "-")
                if grade is None:
                    pending[f"{need_id}|{hit['key']}"] = f"{hit['kind']} | {hit['name']} | {hit.get('evidence', '')}"
                extra = f" {hit.get('strength', '')} | {hit.get('evidence', '')[:110]}" if side == "platform" else ""
                origin = f" (issue de {', '.join(hit['origin'])})" if hit.get("origin") else ""
                print(f"  {side[:4]} {rank} {mark} [{hit['kind']}] {hit['name'][:60]}{origin} |{extra}")
    if args.pending:
        args.pending.write_text(json.dumps(pending, indent=1, ensure_ascii=False))
        print(f"\n{len(pending)} ungraded pairs written to {args.pending}")
    if args.report:
        report(results, grades)


def report(results: dict, grades: dict[str, int]) -> None:
    """Print and write the table: share plausible in top 5 and first result irrelevant, per kind of user."""
    lines = [
        "# Hand-judged needs (authored, 15 per kind of user): platform vs plain TF-IDF\n",
        "| who asks | platform: plausible in top 5 | platform: first irrelevant | no strong match shown | "
        "TF-IDF: plausible in top 5 | TF-IDF: first irrelevant | ungraded |",
        "|---|---|---|---|---|---|---|",
    ]
    totals = {}
    for asker, label in [*ASKERS.items(), ("all", "all needs")]:
        rows = [r for r in results.values() if asker == "all" or r["need"]["asker"] == asker]
        cells, missing = [], 0
        for side in ("platform", "tfidf"):
            shares, firsts = [], []
            for r in rows:
                marks = [grades.get(f"{r['need']['id']}|{h['key']}") for h in r[side]]
                missing += sum(m is None for m in marks)
                shares.append(sum(m or 0 for m in marks) / 5)
                firsts.append(not marks or not marks[0])
            cells.append((np.mean(shares), np.mean(firsts)))
        weak = np.mean([not r["strong"] for r in rows])
        totals[asker] = cells
        lines.append(
            f"| {label} | {cells[0][0]:.2f} | {cells[0][1]:.0%} | {weak:.0%} | {cells[1][0]:.2f} | "
            f"{cells[1][1]:.0%} | {missing} |"
        )
    text = "\n".join(lines) + "\n"
    text = re.sub(r"%", " %", text)
    print("\n" + text)
    (ROOT / "results" / "judged.md").write_text(text)


if __name__ == "__main__":
    main()
