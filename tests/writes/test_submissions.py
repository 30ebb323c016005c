"""Reading submissions: formats by media type, JSON-LD without fetching anything."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, URIRef

from wissensgraph.curation.submissions import media_type_of_file, parse
from wissensgraph.errors import InputError, ParameterError, UnsupportedMediaType

DOC = {
    "@context": "/context.jsonld",
    "@id": "fs:jsonld-platz",
    "@type": "wg:CaseStudy",
    "wg:city": "Kassel",
}


def test_own_context_is_used_without_fetching() -> None:
    graph = parse(json.dumps(DOC).encode(), "application/ld+json")
    assert isinstance(graph, Graph)
    subject = URIRef("https://w3id.org/wissensgraph/id/fallstudie/jsonld-platz")
    assert (subject, None, None) in graph


@pytest.mark.parametrize(
    "context",
    ["https://example.org/ctx.jsonld", ["/context.jsonld", "http://169.254.169.254/x"]],
)
def test_remote_contexts_are_refused(context: object) -> None:
    with pytest.raises(InputError, match="Kontext"):
        parse(json.dumps({**DOC, "@context": context}).encode(), "application/ld+json")
    with pytest.raises(InputError, match="@import"):
        parse(
            json.dumps({**DOC, "@context": {"@import": "https://x"}}).encode(),
            "application/ld+json",
        )


def test_formats_and_errors() -> None:
    assert media_type_of_file("liste.XLSX").endswith("sheet")
    with pytest.raises(InputError):
        media_type_of_file("liste.ods")
    with pytest.raises(UnsupportedMediaType):
        parse(b"x", "application/pdf")
    with pytest.raises(InputError, match="leer"):
        parse(b"  ", "text/turtle")
    with pytest.raises(ParameterError, match="titel"):
        parse(b'{"titel": 1}', "application/json", single=True)
    with pytest.raises(ParameterError, match="JSON-Objekt"):
        parse(b"[]", "application/json", single=True)


@pytest.mark.parametrize(
    "subject",
    [
        "<https://w3id.org/wissensgraph/id/fallstudie/x/alte-mu-kiel>",
        "<https://w3id.org/wissensgraph/id/fallstudie/../fallstudie/alte-mu-kiel>",
        "<https://w3id.org/wissensgraph/id/akteur/x/stadt-kiel>",
    ],
)
def test_only_minted_iris_may_be_written(subject: str) -> None:
    """A deeper path would still end in another case study's (or actor's) file name."""
    from wissensgraph.curation.contribution import from_graph

    kind = "CaseStudy" if "fallstudie" in subject else "Actor"
    turtle = (
        "@prefix wg: <https://w3id.org/wissensgraph/ontology#> .\n"
        f'{subject} a wg:{kind} ; wg:city "Kiel" .\n'
    )
    if kind == "Actor":  # an actor alone is no contribution; name a valid case study beside it
        turtle += (
            "<https://w3id.org/wissensgraph/id/fallstudie/neu> a wg:CaseStudy ; "
            f'wg:city "Kiel" ; wg:participation [ wg:actor {subject} ] .\n'
        )
    graph = parse(turtle.encode(), "text/turtle")
    with pytest.raises(InputError, match="nur IRIs der Form"):
        from_graph(graph)
