"""The typed catalog: models, loader and the packaged default platform."""
