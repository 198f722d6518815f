"""The import graph keeps the layers of DESIGN.md: domain (+ errors, retry, imaging) <-
backends <- services <- ui, with the app and the command line on top. Read with grimp
(the imports inside functions and under TYPE_CHECKING count too)."""

import grimp
import pytest

BOTTOM = ("faceboard.domain", "faceboard.errors", "faceboard.retry", "faceboard.imaging", "faceboard.storage",
          "faceboard.paging", "faceboard.redaction", "faceboard.lockfile", "faceboard.recognition")
APP = {"faceboard.app", "faceboard.self_test"}  # wire the window to a backend: Qt is theirs too
QT = {"PySide6", "shiboken6", "qasync"}


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("faceboard", include_external_packages=True)


def imports(graph, importers, imported) -> list[str]:
    """Each direct import of a module `imported` accepts by one `importers` accepts, with its line."""
    found = []
    for importer in sorted(m for m in graph.modules if m.startswith("faceboard") and importers(m)):
        for target in sorted(graph.find_modules_directly_imported_by(importer)):
            if imported(target):
                for detail in graph.get_import_details(importer=importer, imported=target):
                    found.append(f"{importer}:{detail['line_number']} {detail['line_contents']}")
    return found


def within(*packages):
    return lambda module: any(module == p or module.startswith(p + ".") for p in packages)


def test_no_import_cycle(graph):
    cycles = set()
    for module in sorted(m for m in graph.modules if m.startswith("faceboard")):
        for target in graph.find_modules_directly_imported_by(module):
            chain = graph.find_shortest_chain(importer=target, imported=module) if target.startswith("faceboard") \
                else None
            if chain:
                cycles.add(tuple(sorted(chain)))
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in sorted(cycles))


def test_each_layer_imports_only_the_layers_below(graph):
    bottom = grimp.Layer(*(m for m in BOTTOM if m in graph.modules), independent=False)
    illegal = graph.find_illegal_dependencies_for_layers(
        layers=("faceboard.ui", "faceboard.services", "faceboard.backends", bottom), containers=set())
    assert not illegal, "\n".join(f"{d.importer} imports {d.imported}" for d in sorted(illegal, key=str))


def test_the_window_reaches_backends_only_through_services(graph):
    assert imports(graph, within("faceboard.ui"), within("faceboard.backends")) == []


def test_services_name_no_particular_backend(graph):
    generic = {"faceboard.backends", "faceboard.backends.base", "faceboard.backends.registry"}
    assert imports(graph, within("faceboard.services"),
                   lambda m: within("faceboard.backends")(m) and m not in generic) == []


def test_qt_only_in_the_window_and_the_app(graph):
    assert imports(graph, lambda m: not within("faceboard.ui")(m) and m not in APP, lambda m: m in QT) == []


def test_httpx_only_in_the_backends(graph):
    assert imports(graph, lambda m: not within("faceboard.backends")(m), lambda m: m == "httpx") == []
