"""`presets`: list the shipped presets."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("presets", help="list presets (name and title)")
    p.add_argument("--json", action="store_true", help="print name, title, lab and explanation")
    p.set_defaults(func=run)


def run(args) -> int:
    import json

    from core.presets import all_presets

    presets = all_presets()
    if args.json:
        print(json.dumps([{"name": p.name, "title": p.title, "lab": p.lab,
                           "explanation": p.explanation} for p in presets], indent=2))
        return 0
    width = max(len(p.name) for p in presets)
    for p in presets:
        print(f"{p.name:<{width}}  [{p.lab}] {p.title}")
    return 0
