"""Every IMSHARE__SECTION__KEY that deploy/ tells operators to set must be a real setting.

A renamed or removed key in config/default.toml would otherwise leave compose files and
env examples that set nothing, silently. Run from the repository root:
    python3 tests/deploy/settings_named.py
"""
import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
NAME = re.compile(r"\bIMSHARE__([A-Z0-9_]+)")


def known_settings():
    with open(ROOT / "config" / "default.toml", "rb") as f:
        defaults = tomllib.load(f)
    names = set()
    for key, value in defaults.items():
        if isinstance(value, dict):
            names.update(f"{key}__{inner}".upper() for inner in value)
        else:
            names.add(key.upper())
    return names


def main():
    known = known_settings()
    unknown = []
    for path in sorted((ROOT / "deploy").rglob("*")):
        if not path.is_file() or path.suffix in {".png", ".jpg"}:
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for match in NAME.finditer(line):
                name = match.group(1).rstrip("_")
                # "IMSHARE__SECTION__KEY" in prose is the pattern, not a setting.
                if name in {"SECTION__KEY"}:
                    continue
                if name not in known:
                    unknown.append(f"{path.relative_to(ROOT)}:{number}: IMSHARE__{name}")
    if unknown:
        print("deploy/ sets settings that config/default.toml does not have:", file=sys.stderr)
        print("\n".join(unknown), file=sys.stderr)
        return 1
    print(f"deploy/: every IMSHARE__ setting named is one of the {len(known)} in config/default.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
