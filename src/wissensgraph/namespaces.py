"""Every RDF namespace the project uses, defined once."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import (
    DCTERMS,
    FOAF,
    OWL,
    PROV,
    RDF,
    RDFS,
    SH,
    SKOS,
    XSD,
    DefinedNamespace,
)

#: Base of every IRI the project mints. Data files carry it in their prefixes.
BASE = "https://w3id.org/wissensgraph/"

WG = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
FS = Namespace(BASE + "id/fallstudie/")
AKTEUR = Namespace(BASE + "id/akteur/")
HF = Namespace(BASE + "id/handlungsfeld/")
AG = Namespace(BASE + "id/akteursgruppe/")
NLC = Namespace(BASE + "id/nlc/")
INST = Namespace(BASE + "id/instrument/")
FMT = Namespace(BASE + "id/format/")
ROLLE = Namespace(BASE + "id/rolle/")
MODUS = Namespace(BASE + "id/modus/")
STATUS = Namespace(BASE + "id/status/")
REGION = Namespace(BASE + "id/region/")
LAGE = Namespace(BASE + "id/lagegenauigkeit/")
AENDERUNG = Namespace(BASE + "id/aenderungsart/")
GRAPH = Namespace(BASE + "graph/")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
ORG = Namespace("http://www.w3.org/ns/org#")

#: Named graphs of the store: the vocabulary (ontology and concept schemes) and the data.
ONTOLOGY_GRAPH = GRAPH["ontology"]
DATA_GRAPH = GRAPH["data"]
#: Named graph of the write history (PROV-O); written only by the write path, never by a client.
HISTORY_GRAPH = GRAPH["historie"]

#: rdflib's own vocabularies (DCTERMS, ...) are DefinedNamespace classes, not Namespace objects.
PREFIXES: dict[str, Namespace | type[DefinedNamespace]] = {
    "wg": WG,
    "fs": FS,
    "akteur": AKTEUR,
    "hf": HF,
    "ag": AG,
    "nlc": NLC,
    "inst": INST,
    "fmt": FMT,
    "rolle": ROLLE,
    "modus": MODUS,
    "status": STATUS,
    "region": REGION,
    "lage": LAGE,
    "aenderung": AENDERUNG,
    "geo": GEO,
    "org": ORG,
    "dcterms": DCTERMS,
    "foaf": FOAF,
    "owl": OWL,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "sh": SH,
    "skos": SKOS,
    "xsd": XSD,
}


def sparql_prologue() -> str:
    """PREFIX lines for every project prefix, for queries written without them."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def compact(iri: str) -> str:
    """``prefix:local`` for an IRI under a project prefix, else the IRI unchanged."""
    best = ""
    for prefix, namespace in PREFIXES.items():
        ns = str(namespace)
        if iri.startswith(ns) and len(ns) > len(best) and "/" not in iri[len(ns) :]:
            best = ns
            name = f"{prefix}:{iri[len(ns) :]}"
    return name if best else iri
