#!/usr/bin/env python3
"""Generates the Godot 4 port of the ai4u addon from the Godot 3 addon, its single source.

    python3 scripts/gen_godot4.py           # writes godot/addons_godot4/ai4u/
    python3 scripts/gen_godot4.py --check   # exit 1 if the committed port differs

Every file of godot/addons/ai4u/ goes through, in order:
1. its shims, godot/godot4_shims/ai4u/FILE.shim, if any: blocks of Godot 3 text, each of
   which must occur exactly once in the source, with the Godot 4 text that replaces it (for
   APIs that changed shape, not just name). A shim that no longer matches fails the run, so
   a change to the Godot 3 source cannot silently skip the port;
2. the rename table below (names that changed and nothing else), on the rest of the text;
3. a header saying the file is generated.

Shim format (a line starting with `@@@` is a marker; `#` lines before the first block are
comments):
    @@@ godot 3
    <exact Godot 3 lines>
    @@@ godot 4
    <Godot 4 lines>
    @@@ end
"""
import difflib
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "godot/addons/ai4u"
OUT = ROOT / "godot/addons_godot4/ai4u"
SHIMS = ROOT / "godot/godot4_shims/ai4u"
HEADER = "# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.\n"

# (regex, replacement), applied in order to every line outside a shim's Godot 4 text.
RENAMES = [
    (r"^tool$", "@tool"),
    (r'^export\(String, ([^)]*)\) var ', r"@export_enum(\1) var "),
    (r"^export\(int, LAYERS_3D_PHYSICS\) var ", "@export_flags_3d_physics var "),
    (r"^export var ", "@export var "),
    (r"^onready var ", "@onready var "),
    (r"\bextends Reference\b", "extends RefCounted"),
    (r"\bPoolRealArray\b", "PackedFloat32Array"),
    (r"\bPoolIntArray\b", "PackedInt32Array"),
    (r"\bPoolByteArray\b", "PackedByteArray"),
    (r"\bPoolStringArray\b", "PackedStringArray"),
    (r"\bKinematicBody\b", "CharacterBody3D"),
    (r"\bRigidBody\b", "RigidBody3D"),
    (r"\bPhysicsBody\b", "PhysicsBody3D"),
    (r"\bCollisionObject\b", "CollisionObject3D"),
    (r"\bSpatial\b", "Node3D"),
    (r"\bdeg2rad\(", "deg_to_rad("),
    (r"\brad2deg\(", "rad_to_deg("),
    (r"\bvar2bytes\(", "var_to_bytes("),
    (r"\bbytes2var\(", "bytes_to_var("),
    (r"\.empty\(\)", ".is_empty()"),
    (r"\.is_valid_integer\(\)", ".is_valid_int()"),
    (r"\.to_utf8\(\)", ".to_utf8_buffer()"),
    (r"\bOS\.get_ticks_msec\(\)", "Time.get_ticks_msec()"),
    (r"physics/common/physics_fps", "physics/common/physics_ticks_per_second"),
    (r"\bEngine\.iterations_per_second\b", "Engine.physics_ticks_per_second"),
    (r"\bNOTIFICATION_WM_QUIT_REQUEST\b", "NOTIFICATION_WM_CLOSE_REQUEST"),
]
RENAMES = [(re.compile(p), r) for p, r in RENAMES]


class ShimError(Exception):
    pass


def read_shim(path):
    """[(godot3 text, godot4 text)] of a shim file."""
    blocks, g3, g4, where = [], [], [], None
    for n, line in enumerate(path.read_text().splitlines(keepends=True), 1):
        marker = line.strip() if line.startswith("@@@") else None
        if marker == "@@@ godot 3":
            where, g3, g4 = "3", [], []
        elif marker == "@@@ godot 4" and where == "3":
            where = "4"
        elif marker == "@@@ end" and where == "4":
            blocks.append(("".join(g3), "".join(g4)))
            where = None
        elif marker is not None:
            raise ShimError(f"{path}:{n}: unexpected {marker}")
        elif where == "3":
            g3.append(line)
        elif where == "4":
            g4.append(line)
        elif not (line.startswith("#") or line.strip() == ""):
            raise ShimError(f"{path}:{n}: text outside a block")
    if where is not None:
        raise ShimError(f"{path}: the last block is not closed with @@@ end")
    return blocks


def rename(text):
    out = []
    for line in text.splitlines(keepends=True):
        for pattern, repl in RENAMES:
            line = pattern.sub(repl, line)
        out.append(line)
    return "".join(out)


def port(rel, text):
    """The Godot 4 text of the source file `rel` (a path relative to the addon)."""
    pieces = [(text, False)]  # (text, already Godot 4)
    shim = SHIMS / (rel + ".shim")
    if shim.exists():
        for g3, g4 in read_shim(shim):
            found = sum(t.count(g3) for t, done in pieces if not done)
            if found != 1:
                raise ShimError(
                    f"{shim.relative_to(ROOT)}: a Godot 3 block occurs {found} times in "
                    f"godot/addons/ai4u/{rel} (must be once); update the shim:\n{g3}"
                )
            nxt = []
            for t, done in pieces:
                if done or g3 not in t:
                    nxt.append((t, done))
                    continue
                before, after = t.split(g3, 1)
                nxt += [(before, False), (g4, True), (after, False)]
            pieces = nxt
    body = "".join(t if done else rename(t) for t, done in pieces)
    if rel.endswith(".gd"):
        body = HEADER + body
    return body


def generate():
    files = {}
    for path in sorted(SRC.rglob("*")):
        if path.is_file():
            rel = path.relative_to(SRC).as_posix()
            files[rel] = port(rel, path.read_text())
    for shim in sorted(SHIMS.rglob("*.shim")) if SHIMS.exists() else []:
        rel = shim.relative_to(SHIMS).as_posix()[: -len(".shim")]
        if rel not in files:
            raise ShimError(f"{shim.relative_to(ROOT)}: no godot/addons/ai4u/{rel} to apply it to")
    return files


def main(argv):
    check = "--check" in argv
    try:
        files = generate()
    except ShimError as e:
        print(f"gen_godot4: {e}", file=sys.stderr)
        return 2
    existing = {p.relative_to(OUT).as_posix() for p in OUT.rglob("*") if p.is_file()} if OUT.exists() else set()
    if check:
        bad = 0
        for rel in sorted(existing | set(files)):
            have = (OUT / rel).read_text() if rel in existing else None
            want = files.get(rel)
            if have == want:
                continue
            bad += 1
            if want is None:
                print(f"godot/addons_godot4/ai4u/{rel}: not generated from any Godot 3 file")
            elif have is None:
                print(f"godot/addons_godot4/ai4u/{rel}: missing")
            else:
                diff = difflib.unified_diff(
                    have.splitlines(keepends=True), want.splitlines(keepends=True), f"committed/{rel}", f"generated/{rel}"
                )
                sys.stdout.writelines(list(diff)[:40])
        if bad:
            print(f"gen_godot4: {bad} file(s) of godot/addons_godot4 differ from the generated port; "
                  "run python3 scripts/gen_godot4.py and commit the result")
            return 1
        print(f"gen_godot4: godot/addons_godot4 matches the generated port ({len(files)} files)")
        return 0
    for rel in existing - set(files):
        (OUT / rel).unlink()
    for rel, text in files.items():
        (OUT / rel).parent.mkdir(parents=True, exist_ok=True)
        (OUT / rel).write_text(text)
    print(f"gen_godot4: wrote {len(files)} files to godot/addons_godot4/ai4u")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
