"""Packaging a rendered platform as files: charts, manifests, helmfile, and the build directory."""
