"""Search of case studies: dense vectors, BM25 and graph concepts, fused and explained."""
