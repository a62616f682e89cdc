"""Metafiles in, one typed model of the zoo out."""

from zoogen.meta.loader import LoadedZoo, load_zoo
from zoogen.meta.schema import Collection, Method, Model, Paper, Result, SpeedRecord, Zoo, ZooInfo

__all__ = [
    "Collection", "LoadedZoo", "Method", "Model", "Paper", "Result", "SpeedRecord", "Zoo", "ZooInfo", "load_zoo",
]
