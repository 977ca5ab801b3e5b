"""Which environment variables the services' code reads, found in the source.

The table in docs/configuration.md must list exactly these. The code is read,
not imported (importing a service's settings depends on the environment), with
Python's ``ast``:

- a *reader* is a call that takes a variable's name: ``env.str``/``int``/...
  (django-environ), ``env(...)``, ``os.environ.get``, ``os.getenv`` and
  ``os.environ[...]``; and, found by following the code, every function of ours
  that passes one of its parameters on as a reader's name (``required``,
  ``secret``, ``redis_url``, ``database_from_env``, a settings module's own
  helper...), so a new helper needs no change here;
- a call of a reader names its variable with a string, with a name bound by a
  ``for`` over a tuple of strings (a literal or a module-level constant), or,
  when the argument is left out, with the parameter's string default;
- an f-string (``f"SERVICE_CLIENT_SECRET_{name.upper()}"``) is a pattern that
  at least one documented name must match.

Test code and test settings (``tests/``, ``settings_test.py``,
``pocdex_shared.testing``) are not services' configuration and are left out.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

#: django-environ's typed getters (``env.str(...)``), plus ``os.environ.get``/``os.getenv``.
_ENV_METHODS = frozenset(
    {"str", "int", "bool", "float", "list", "tuple", "dict", "json", "url", "path"}
    | {"db_url", "cache_url", "email_url", "search_url", "get_value"}
)


@dataclass(frozen=True)
class Reader:
    """A function that reads the variable named by its parameter ``index``/``name``."""

    index: int
    param: str
    default: str | None = None


@dataclass
class Found:
    names: dict[str, set[str]] = field(default_factory=dict)  # name -> files that read it
    patterns: dict[str, set[str]] = field(default_factory=dict)  # regex -> files

    def add(self, name: str, where: str) -> None:
        self.names.setdefault(name, set()).add(where)

    def add_pattern(self, pattern: str, where: str) -> None:
        self.patterns.setdefault(pattern, set()).add(where)


def service_sources(root: Path) -> list[Path]:
    """Every Python file of the services and of the shared package, tests excluded."""
    files: list[Path] = []
    for path in sorted((root / "services").glob("*/**/*.py")):
        rel = path.relative_to(root / "services").parts
        if "tests" in rel or "migrations" in rel or path.name == "settings_test.py":
            continue
        files.append(path)
    shared = root / "shared" / "src" / "pocdex_shared"
    for path in sorted(shared.glob("**/*.py")):
        if "testing" in path.relative_to(shared).parts:
            continue
        files.append(path)
    return files


def _callee(call: ast.Call) -> str | None:
    """``env.str`` -> "env.str", ``conf.required`` -> "required", ``required`` -> "required"."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        owner = func.value
        if isinstance(owner, ast.Name) and owner.id == "env" and func.attr in _ENV_METHODS:
            return "env.str"
        environ_get = (
            isinstance(owner, ast.Attribute) and owner.attr == "environ" and func.attr == "get"
        )
        os_getenv = isinstance(owner, ast.Name) and owner.id == "os" and func.attr == "getenv"
        if environ_get or os_getenv:
            return "os.getenv"
        return func.attr
    return None


_BUILTIN_READERS = {
    "env.str": Reader(0, "var"),
    "env": Reader(0, "var"),
    "os.getenv": Reader(0, "key"),
}


def _argument(call: ast.Call, reader: Reader) -> ast.expr | None:
    if len(call.args) > reader.index:
        arg = call.args[reader.index]
        return None if isinstance(arg, ast.Starred) else arg
    for keyword in call.keywords:
        if keyword.arg == reader.param:
            return keyword.value
    return None


def _string_tuple(node: ast.expr, constants: dict[str, list[str]]) -> list[str] | None:
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        values = [e.value for e in node.elts if isinstance(e, ast.Constant)]
        if len(values) == len(node.elts) and all(isinstance(v, str) for v in values):
            return [str(v) for v in values]
        return None
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _fstring_pattern(node: ast.JoinedStr) -> str:
    parts = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(re.escape(str(value.value)))
        else:
            parts.append("[A-Z0-9_]+")
    return "".join(parts)


class _Scanner(ast.NodeVisitor):
    """One pass over one file: records names read and functions that became readers."""

    def __init__(self, where: str, readers: dict[str, Reader], found: Found | None) -> None:
        self.where = where
        self.readers = readers
        self.found = found
        self.new_readers: dict[str, Reader] = {}
        self.constants: dict[str, list[str]] = {}
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.loops: list[dict[str, list[str]]] = []

    def visit_Module(self, node: ast.Module) -> None:
        for statement in node.body:
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(statement, ast.Assign):
                targets, value = statement.targets, statement.value
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                targets, value = [statement.target], statement.value
            strings = _string_tuple(value, {}) if value is not None else None
            for target in targets:
                if isinstance(target, ast.Name) and strings is not None:
                    self.constants[target.id] = strings
        self.generic_visit(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node)
        self.generic_visit(node)
        self.functions.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function(node)

    def _loop_bindings(self, target: ast.expr, iterable: ast.expr) -> dict[str, list[str]]:
        strings = _string_tuple(iterable, self.constants)
        if isinstance(target, ast.Name) and strings is not None:
            return {target.id: strings}
        return {}

    def visit_For(self, node: ast.For) -> None:
        self.loops.append(self._loop_bindings(node.target, node.iter))
        self.generic_visit(node)
        self.loops.pop()

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.DictComp) -> None:
        bindings: dict[str, list[str]] = {}
        for generator in node.generators:
            bindings.update(self._loop_bindings(generator.target, generator.iter))
        self.loops.append(bindings)
        self.generic_visit(node)
        self.loops.pop()

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node)

    def visit_SetComp(self, node: ast.SetComp) -> None:
        self._comprehension(node)

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        value = node.value
        is_environ = (isinstance(value, ast.Attribute) and value.attr == "environ") or (
            isinstance(value, ast.Name) and value.id == "environ"
        )
        if is_environ and isinstance(node.ctx, ast.Load):
            self._name_argument(node.slice, Reader(0, "key"))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        callee = _callee(node)
        reader = _BUILTIN_READERS.get(callee or "") or self.readers.get(callee or "")
        if reader is not None:
            argument = _argument(node, reader)
            if argument is None:
                if reader.default is not None and self.found is not None:
                    self.found.add(reader.default, self.where)
            else:
                self._name_argument(argument, reader)
        self.generic_visit(node)

    def _name_argument(self, argument: ast.expr, reader: Reader) -> None:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            if self.found is not None:
                self.found.add(argument.value, self.where)
            return
        if isinstance(argument, ast.JoinedStr):
            if self.found is not None:
                expanded = self._expand(argument)
                if expanded is None:
                    self.found.add_pattern(_fstring_pattern(argument), self.where)
                for name in expanded or ():
                    self.found.add(name, self.where)
            return
        if not isinstance(argument, ast.Name):
            return
        for bindings in reversed(self.loops):
            if argument.id in bindings:
                if self.found is not None:
                    for name in bindings[argument.id]:
                        self.found.add(name, self.where)
                return
        if self.functions:
            self._parameter_reader(self.functions[-1], argument.id)

    def _expand(self, node: ast.JoinedStr) -> list[str] | None:
        """``f"X_{name.upper()}"`` with ``name`` bound by a loop over strings: every name."""
        names = [""]
        for value in node.values:
            if isinstance(value, ast.Constant):
                names = [prefix + str(value.value) for prefix in names]
                continue
            assert isinstance(value, ast.FormattedValue)
            expression, case = value.value, None
            if isinstance(expression, ast.Call) and not expression.args:
                method = expression.func
                if isinstance(method, ast.Attribute) and method.attr in {"upper", "lower"}:
                    expression, case = method.value, method.attr
            if not isinstance(expression, ast.Name) or value.format_spec is not None:
                return None
            strings = next(
                (b[expression.id] for b in reversed(self.loops) if expression.id in b), None
            )
            if strings is None:
                return None
            cased = [s.upper() if case == "upper" else s.lower() if case else s for s in strings]
            names = [prefix + item for prefix in names for item in cased]
        return names

    def _parameter_reader(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, name: str
    ) -> None:
        arguments = function.args
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
        defaults += list(arguments.defaults)
        for index, parameter in enumerate(positional):
            if parameter.arg == name:
                default = defaults[index]
                text = (
                    default.value
                    if isinstance(default, ast.Constant) and isinstance(default.value, str)
                    else None
                )
                self.new_readers[function.name] = Reader(index, name, text)
                return
        for parameter, kw_default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
            if parameter.arg == name:
                text = (
                    kw_default.value
                    if isinstance(kw_default, ast.Constant) and isinstance(kw_default.value, str)
                    else None
                )
                self.new_readers[function.name] = Reader(10_000, name, text)
                return


def environment_variables(files: Iterable[Path], root: Path) -> Found:
    """The variables that ``files`` read (see the module's docstring)."""
    trees = [
        (str(path.relative_to(root)), ast.parse(path.read_text(), str(path))) for path in files
    ]
    readers: dict[str, Reader] = {}
    while True:  # grow the set of readers to a fixed point
        before = dict(readers)
        for where, tree in trees:
            scanner = _Scanner(where, readers, None)
            scanner.visit(tree)
            readers.update(scanner.new_readers)
        if readers == before:
            break
    found = Found()
    for where, tree in trees:
        _Scanner(where, readers, found).visit(tree)
    return found


_ROW = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|")


def documented_variables(lines: Iterable[str]) -> Iterator[str]:
    """The names in the first column of the Markdown tables (``| `NAME` | ...``)."""
    for line in lines:
        match = _ROW.match(line)
        if match:
            yield match.group(1)
