"""The data every contract test starts from."""

DATA = """\
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

ex:lithium a ex:Mineral ;
    ex:label "lithium"@en, "Lithium"@de ;
    ex:isolated "1817-01-01"^^xsd:date .
ex:cobalt a ex:Mineral ;
    ex:label "cobalt"@en ;
    ex:isolated "1735-01-01"^^xsd:date .

ex:ag1 a ex:Agreement ;
    ex:party ex:usa, ex:chile ;
    ex:about ex:lithium ;
    ex:signed "2023-03"^^xsd:gYearMonth ;
    ex:amount 12.5 ;
    ex:count 3 ;
    ex:note "a \\"quoted\\" note\\nline two" ;
    ex:evidence [ ex:exact "the parties agree" ] .
ex:ag2 a ex:Agreement ;
    ex:party ex:usa ;
    ex:about ex:cobalt ;
    ex:signed "2024-05"^^xsd:gYearMonth .

ex:graph1 { ex:ag1 ex:source ex:doc1 . ex:doc1 ex:title "Document one" . }
ex:graph2 { ex:ag2 ex:source ex:doc2 . ex:doc2 ex:title "Document two" . }
"""
"""TriG: 21 quads in the default graph, 2 in each of two named graphs."""

EX = "http://example.org/"
GRAPH1 = EX + "graph1"
GRAPH2 = EX + "graph2"
DEFAULT_QUADS = 21
TOTAL_QUADS = 25
