"""zoogen: model-zoo pages from OpenMMLab metafiles, validated, bilingual and verified."""

__version__ = "0.2.0"
