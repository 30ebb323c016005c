"""SHACL validation: pyshacl in, a readable report out (German or English)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from wissensgraph.errors import InputError
from wissensgraph.store.rdf_files import LoadedFiles, collect_files, parse_files

if TYPE_CHECKING:
    from rdflib.plugins.sparql.processor import SPARQLProcessor
    from rdflib.plugins.sparql.sparql import Query
    from rdflib.term import Identifier


@dataclass(frozen=True)
class ValidationResult:
    """One violated constraint, with everything a curator needs to find and fix it."""

    focus: str
    path: str | None
    value: str | None
    messages: dict[str, str]
    severity: str
    shape: str | None
    constraint: str | None = None
    file: Path | None = None

    def message(self, lang: str = "de") -> str:
        """The message in ``lang``, falling back to any language the shape offers."""
        if lang in self.messages:
            return self.messages[lang]
        return next(iter(self.messages.values()), "")


@dataclass
class ValidationReport:
    """The outcome of validating a graph; ``conforms`` is False when any result is a violation."""

    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)

    def render(self, lang: str = "de") -> str:
        """A plain-text report: one block per result, sorted by file and focus node."""
        if self.conforms:
            return "Keine Verstöße gefunden." if lang == "de" else "No violations found."
        head = (
            f"{len(self.results)} Verstoß/Verstöße gegen die SHACL-Formen:"
            if lang == "de"
            else f"{len(self.results)} SHACL violation(s):"
        )
        labels = (
            ("Datei", "Knoten", "Eigenschaft", "Wert", "Meldung")
            if lang == "de"
            else ("File", "Node", "Property", "Value", "Message")
        )
        lines = [head]
        for result in sorted(
            self.results, key=lambda r: (str(r.file or ""), r.focus, r.path or "")
        ):
            lines.append("")
            if result.file is not None:
                lines.append(f"  {labels[0]}:       {result.file}")
            lines.append(f"  {labels[1]}:     {result.focus}")
            if result.path:
                lines.append(f"  {labels[2]}: {result.path}")
            if result.value is not None:
                lines.append(f"  {labels[3]}:        {_shorten(result.value)}")
            lines.append(f"  {labels[4]}:    {result.message(lang)}")
        return "\n".join(lines)


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_TRANSLATED: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Query] = {}


def _memoize_sparql_translation() -> None:
    """Parse each SHACL-SPARQL constraint once per process instead of once per use.

    pyshacl hands rdflib the query text of every SPARQL constraint on every validation, and
    rdflib's pure-Python parser then dominates the check of a single case study (tens of ms per
    query). A translated query is reusable (that is what rdflib's prepareQuery is for).
    """
    from rdflib.plugins.sparql import processor

    original = processor.SPARQLProcessor.query
    if getattr(original, "memoized", False):
        return

    def query(  # rdflib's signature, parameter names included
        self: SPARQLProcessor,
        strOrQuery: str | Query,
        initBindings: Mapping[str, Identifier] | None = None,
        initNs: Mapping[str, Any] | None = None,
        base: str | None = None,
        DEBUG: bool = False,
    ) -> Mapping[str, Any]:
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
            translated = _TRANSLATED.get(key)
            if translated is None:
                if len(_TRANSLATED) > 512:
                    _TRANSLATED.clear()
                translated = processor.translateQuery(
                    processor.parseQuery(strOrQuery), base, initNs
                )
                _TRANSLATED[key] = translated
            strOrQuery = translated
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    query.memoized = True  # type: ignore[attr-defined]  # a mark, so a second call patches nothing
    processor.SPARQLProcessor.query = query  # type: ignore[method-assign]  # the patch itself


_memoize_sparql_translation()


def load_shapes(shapes_dir: Path) -> Graph:
    """All shapes files of the project as one graph."""
    return parse_files(collect_files([shapes_dir])).graph


def validate_graph(
    data: Graph,
    shapes: Graph,
    *,
    loaded: LoadedFiles | None = None,
    inplace: bool = False,
    only: set[Node] | None = None,
) -> ValidationReport:
    """Validate ``data`` (which must include the vocabulary it refers to) against ``shapes``.

    Args:
        data: the data together with the ontology and concept schemes, so that concept
            membership (an action field from the action-field scheme) can be checked.
        shapes: the SHACL shapes.
        loaded: when given, each result names the file its focus node came from.
        inplace: pyshacl may work on ``data`` itself instead of a copy (a throw-away graph).
        only: keep just the results about these focus nodes (the new part of ``data``).
    """
    conforms, results_graph, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        advanced=True,
        inplace=inplace,
    )
    if not isinstance(results_graph, Graph):  # pyshacl's ValidationFailure: the shapes are broken
        raise InputError(f"SHACL-Formen fehlerhaft: {results_graph}")
    # Only top-level results: nested ones (sh:detail) repeat a failure the outer result explains.
    results = [
        _result(results_graph, node, data, shapes, loaded)
        for node in results_graph.objects(predicate=SH.result)
        if only is None or results_graph.value(node, SH.focusNode) in only
    ]
    violations = [r for r in results if r.severity == "Violation"]
    return ValidationReport(
        conforms=(bool(conforms) or only is not None) and not violations, results=results
    )


def _result(
    report: Graph, node: Node, data: Graph, shapes: Graph, loaded: LoadedFiles | None
) -> ValidationResult:
    focus = report.value(node, SH.focusNode)
    path = report.value(node, SH.resultPath)
    value = report.value(node, SH.value)
    severity = report.value(node, SH.resultSeverity)
    source_shape = report.value(node, SH.sourceShape)
    constraint = report.value(node, SH.sourceConstraint)
    templates = list(shapes.objects(constraint, SH.message)) if constraint is not None else []
    templates = templates or (
        list(shapes.objects(source_shape, SH.message)) if source_shape else []
    )
    messages: dict[str, str] = {}
    for message in report.objects(node, SH.resultMessage):
        lang = message.language if isinstance(message, Literal) and message.language else None
        lang = lang or _language_of(str(message), templates)
        if lang:
            messages.setdefault(lang, str(message))
    if not messages:  # the shape gave no wording: pyshacl's own, for both languages
        fallback = " ".join(str(m) for m in report.objects(node, SH.resultMessage))
        messages = {"de": fallback, "en": fallback}
    return ValidationResult(
        focus=_display(focus, data),
        path=_display(path, data) if path is not None else None,
        value=str(value) if value is not None else None,
        messages=messages,
        severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
        shape=_named_shape(source_shape, shapes),
        constraint=str(constraint) if isinstance(constraint, URIRef) else None,
        file=_file_of(focus, data, loaded),
    )


def _language_of(message: str, templates: list[Node]) -> str | None:
    """Which template a substituted message came from: pyshacl drops the language tag there."""
    for template in templates:
        if not isinstance(template, Literal) or not template.language:
            continue
        parts = re.split(r"\{[?$]\w+\}", str(template))
        pattern = ".*?".join(re.escape(part) for part in parts)
        if re.fullmatch(pattern, message, re.DOTALL):
            return template.language
    return None


def _named_shape(shape: Node | None, shapes: Graph) -> str | None:
    """The nearest shape with an IRI: an inline property shape is named by its node shape."""
    seen: set[Node] = set()
    while shape is not None and not isinstance(shape, URIRef) and shape not in seen:
        seen.add(shape)
        shape = shapes.value(predicate=SH.property, object=shape)
    return str(shape) if shape is not None else None


def _display(node: Node | None, data: Graph) -> str:
    """A compact name (prefixed where a prefix fits); blank nodes are described by their owner."""
    if node is None:
        return ""
    if isinstance(node, URIRef):
        try:
            return data.namespace_manager.normalizeUri(node)
        except ValueError:
            return str(node)
    owner = next(iter(data.subject_predicates(node)), None)
    if owner is not None:
        return f"{_display(owner[0], data)} → {_display(owner[1], data)} [ … ]"
    return f"_:{node}"


def _file_of(focus: Node | None, data: Graph, loaded: LoadedFiles | None) -> Path | None:
    if loaded is None or focus is None:
        return None
    seen: set[Node] = set()
    while not isinstance(focus, URIRef) and focus not in seen:
        seen.add(focus)
        owner = next(iter(data.subjects(object=focus)), None)
        if owner is None:
            return None
        focus = owner
    return loaded.file_of(focus)
