"""Compare neogluon against MXNet 1.9.1's recorded import surface.

The surface (``tests/fixtures/mxnet-1.9.1/surface/surface.json``) is written by
``tools/dump_surface.py`` from real MXNet. Every recorded name is checked
against the live neogluon modules (so operators other work registers count as
soon as they exist):

* present: ``mxnet.a.b`` maps to ``neogluon.a.b``, which imports as a real
  module (``importlib.util.find_spec`` finds it) and has the name;
* call-compatible (functions, classes' constructors and methods): what MXNet's
  callers can pass is accepted, i.e. the parameters MXNet's callers can pass
  positionally have the same names in the same order (the trailing ``out``,
  ``name`` and ``attr`` of generated operator functions may be keyword-only),
  every parameter MXNet accepts by keyword is accepted by keyword (or by
  ``**kwargs``), MXNet's ``*args`` is accepted, and nothing MXNet lets callers
  omit is required.

Run ``python -m tests.api._surface`` for the full per-module report.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.util
import inspect
import json
import sys
import types
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

HERE = Path(__file__).parent
SURFACE = HERE.parent / "fixtures" / "mxnet-1.9.1" / "surface" / "surface.json"
ALLOWLIST = HERE / "surface_allowlist.txt"

# Parameters of MXNet's generated functions that callers pass by keyword only.
TRAILING_KEYWORDS = ("out", "name", "attr")


def load_surface() -> dict:
    return json.loads(SURFACE.read_text())


def neo_module_name(mx_name: str) -> str:
    return "neogluon" + mx_name[len("mxnet") :]


def load_allowlist(path: Path = ALLOWLIST) -> list[tuple[str, str]]:
    """``pattern | reason`` lines (fnmatch patterns over dotted paths)."""
    entries = []
    for lineno, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pattern, sep, reason = line.partition("|")
        if not sep or not reason.strip():
            raise ValueError(
                f"{path.name}:{lineno}: 'pattern | reason' needed: {raw!r}"
            )
        entries.append((pattern.strip(), reason.strip()))
    return entries


# ---------------------------------------------------------------- signatures


@dataclass
class Param:
    name: str
    kind: str  # pos_only, pos, var_pos, kw_only, var_kw
    default: bool


def parse_sig(text: str) -> list[Param]:
    """Parse the fixture's ``"a, b=, *args, c=, **kw"`` notation."""
    params: list[Param] = []
    if not text.strip():
        return params
    kw_only = False
    for tok in (t.strip() for t in text.split(",")):
        if tok == "/":
            for p in params:
                if p.kind == "pos":
                    p.kind = "pos_only"
        elif tok == "*":
            kw_only = True
        elif tok.startswith("**"):
            params.append(Param(tok[2:], "var_kw", True))
        elif tok.startswith("*"):
            params.append(Param(tok[1:], "var_pos", True))
            kw_only = True
        else:
            default = tok.endswith("=")
            params.append(
                Param(tok.rstrip("="), "kw_only" if kw_only else "pos", default)
            )
    return params


_KIND = {
    inspect.Parameter.POSITIONAL_ONLY: "pos_only",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "pos",
    inspect.Parameter.VAR_POSITIONAL: "var_pos",
    inspect.Parameter.KEYWORD_ONLY: "kw_only",
    inspect.Parameter.VAR_KEYWORD: "var_kw",
}


def live_sig(obj, drop_first: bool = False) -> list[Param] | None:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    params = [
        Param(p.name, _KIND[p.kind], p.default is not p.empty)
        for p in sig.parameters.values()
    ]
    return params[1:] if drop_first and params else params


def compare(mx: list[Param], neo: list[Param]) -> str | None:
    """None when every call MXNet accepts by these rules is accepted; else why."""
    neo_pos = [p for p in neo if p.kind in ("pos_only", "pos")]
    neo_kw = {p.name: p for p in neo if p.kind in ("pos", "kw_only")}
    neo_var_pos = any(p.kind == "var_pos" for p in neo)
    neo_var_kw = any(p.kind == "var_kw" for p in neo)
    mx_pos = [p for p in mx if p.kind in ("pos_only", "pos")]
    while mx_pos and mx_pos[-1].name in TRAILING_KEYWORDS and mx_pos[-1].kind == "pos":
        mx_pos.pop()
    problems = []
    for i, p in enumerate(mx_pos):
        if i < len(neo_pos):
            q = neo_pos[i]
            if q.name != p.name and p.kind != "pos_only" and q.kind != "pos_only":
                problems.append(f"positional #{i} is {q.name!r}, MXNet has {p.name!r}")
                break
        elif not neo_var_pos:
            problems.append(f"{p.name!r} cannot be passed positionally (#{i})")
            break
    for p in mx:
        if p.kind in ("pos", "kw_only") and p.name not in neo_kw and not neo_var_kw:
            problems.append(f"keyword {p.name!r} not accepted")
    if any(p.kind == "var_pos" for p in mx) and not neo_var_pos:
        problems.append("*args not accepted")
    mx_names = {p.name: p for p in mx}
    for i, q in enumerate(neo):
        if q.default or q.kind in ("var_pos", "var_kw"):
            continue
        p = mx_names.get(q.name)
        if q.kind == "pos_only" and i < len(mx) and not mx[i].default:
            continue
        if p is None:
            problems.append(f"requires {q.name!r}, which MXNet does not have")
        elif p.default:
            problems.append(f"requires {q.name!r}, which MXNet makes optional")
    return "; ".join(problems) if problems else None


# ---------------------------------------------------------------- checking


@dataclass
class Result:
    module: str
    ok: list[str] = field(default_factory=list)
    placeholder: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)
    incompatible: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return (
            len(self.ok)
            + len(self.placeholder)
            + len(self.missing)
            + len(self.incompatible)
        )


def is_placeholder(obj) -> bool:
    return bool(getattr(obj, "__neogluon_missing__", False))


def import_real(name: str) -> tuple[types.ModuleType | None, str | None]:
    """Import ``name`` and check it is a real, findable module."""
    try:
        mod = importlib.import_module(name)
    except ImportError as err:
        return None, f"ImportError: {err}"
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError) as err:
        return None, f"find_spec fails: {err}"
    if spec is None:
        return None, "imports, but find_spec finds no module file (synthetic module)"
    return mod, None


def _check_callable(mx_entry: dict, obj, is_class: bool) -> str | None:
    sig = mx_entry.get("sig")
    if sig is None or is_placeholder(obj):
        return None
    neo = live_sig(obj)
    if neo is None:
        return None  # builtin without a signature: presence is all we can check
    why = compare(parse_sig(sig), neo)
    return f"{'constructor ' if is_class else ''}{why}" if why else None


def check_module(mx_name: str, record: dict, classes: dict, seen: dict) -> Result:
    """Check one recorded module; ``seen`` maps canonical class -> neo class."""
    res = Result(mx_name)
    mod, why = import_real(neo_module_name(mx_name))
    if mod is None:
        res.missing["<module>"] = why
        for name in record["names"]:
            res.missing[name] = "module missing"
        return res
    (res.placeholder if is_placeholder(mod) else res.ok).append("<module>")
    for name, entry in record["names"].items():
        if not hasattr(mod, name):
            res.missing[name] = "not defined"
            continue
        obj = getattr(mod, name)
        kind = entry["kind"]
        if kind == "module" and not isinstance(obj, types.ModuleType):
            res.incompatible[name] = f"a module in MXNet, here {type(obj).__name__}"
            continue
        if kind == "class":
            spec = classes.get(entry.get("class", ""), entry)
            if not inspect.isclass(obj):
                res.incompatible[name] = f"a class in MXNet, here {type(obj).__name__}"
                continue
            why = _check_callable(spec, obj, True)
            if "class" in entry:
                seen.setdefault(entry["class"], obj)
        elif kind == "function":
            if not callable(obj):
                res.incompatible[name] = (
                    f"a function in MXNet, here {type(obj).__name__}"
                )
                continue
            why = _check_callable(entry, obj, False)
        else:
            why = None
        if why:
            res.incompatible[name] = why
        elif is_placeholder(obj):
            res.placeholder.append(name)
        else:
            res.ok.append(name)
    return res


def _sets_attribute(cls, name: str) -> bool:
    """Whether the class's source assigns ``self.<name>`` (an instance attribute)."""
    for klass in cls.__mro__:
        try:
            src = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        if f"self.{name} =" in src or f"self.{name}: " in src:
            return True
    return False


def check_methods(canonical: str, spec: dict, neo_cls) -> Result:
    """The public methods ``canonical`` itself defines, on the neogluon class."""
    res = Result(canonical)
    for meth, sig in spec["methods"].items():
        if is_placeholder(neo_cls):
            res.placeholder.append(meth)  # instantiation raises: methods unreachable
            continue
        try:
            raw = inspect.getattr_static(neo_cls, meth)
        except AttributeError:
            if sig == "<property>" and _sets_attribute(neo_cls, meth):
                res.ok.append(meth)  # an instance attribute instead of a property
            else:
                res.missing[meth] = "not defined"
            continue
        if is_placeholder(raw):
            res.placeholder.append(meth)
            continue
        if sig in ("<property>", "<callable>"):
            res.ok.append(meth)
            continue
        if isinstance(raw, (staticmethod, classmethod)):
            neo = live_sig(getattr(neo_cls, meth))
        elif inspect.isfunction(raw):
            neo = live_sig(raw, drop_first=True)
        elif callable(raw):
            neo = live_sig(getattr(neo_cls, meth))
        else:
            res.incompatible[meth] = f"a method in MXNet, here {type(raw).__name__}"
            continue
        why = compare(parse_sig(sig), neo) if neo is not None else None
        if why:
            res.incompatible[meth] = why
        else:
            res.ok.append(meth)
    return res


def check_all(surface: dict | None = None) -> tuple[list[Result], list[Result]]:
    surface = surface or load_surface()
    classes = surface["classes"]
    seen: dict = {}
    # Import every recorded module first, as a program importing them would:
    # a package's submodule attribute (``mx.kvstore.base``) exists once imported.
    for name in surface["modules"]:
        import_real(neo_module_name(name))
    modules = [
        check_module(name, rec, classes, seen)
        for name, rec in surface["modules"].items()
    ]
    methods = [
        check_methods(key, classes[key], cls)
        for key, cls in sorted(seen.items())
        if classes[key]["methods"]
    ]
    return modules, methods


def allowed(path: str, allowlist: list[tuple[str, str]]) -> str | None:
    for pattern, reason in allowlist:
        if fnmatch.fnmatchcase(path, pattern):
            return reason
    return None


def failures(res: Result) -> dict[str, str]:
    """``dotted path -> why`` for everything missing or incompatible."""
    out = {}
    for name, why in {**res.missing, **res.incompatible}.items():
        path = res.module if name == "<module>" else f"{res.module}.{name}"
        out[path] = why
    return out


def summary(results: list[Result]) -> tuple[int, int, int]:
    total = sum(r.total for r in results)
    ok = sum(len(r.ok) for r in results)
    placeholder = sum(len(r.placeholder) for r in results)
    return total, ok, placeholder


def report(modules: list[Result], methods: list[Result]) -> str:
    lines = []
    for title, results in (("modules", modules), ("class methods", methods)):
        total, ok, ph = summary(results)
        lines.append(
            f"== {title}: {ok + ph}/{total} present and call-compatible "
            f"({100.0 * (ok + ph) / max(total, 1):.1f}%; {ph} of them placeholders "
            "raising MXNetError)"
        )
        for r in results:
            bad = failures(r)
            if bad:
                lines.append(f"-- {r.module}: {len(bad)} of {r.total}")
                lines.extend(f"   {p}: {why}" for p, why in sorted(bad.items()))
    return "\n".join(lines)


if __name__ == "__main__":
    mods, meths = check_all()
    print(report(mods, meths))
    total, ok, ph = summary(mods + meths)
    print(
        f"TOTAL {ok + ph}/{total} = {100.0 * (ok + ph) / total:.2f}%", file=sys.stderr
    )
