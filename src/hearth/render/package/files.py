"""Package a rendered platform as files: Helm charts, plain manifests, upstream values, a helmfile, descriptions.

The charts and their manifests are made by ``hearth.render.package.charts``, ``helmfile.yaml`` by
``hearth.render.package.helmfile``; :func:`package` gathers them with the values and the cluster descriptions as
``{path relative to the build directory: text}`` and writes nothing; only ``hearth.render.package.write.write_tree``
touches the disk.
"""

from __future__ import annotations

from hearth.render.model import RenderedPlatform
from hearth.render.package.charts import package_chart, stream
from hearth.render.package.helmfile import helmfile_yaml
from hearth.render.package.write import dump_yaml
from hearth.resolve.records import Resolved


def package(rendered: RenderedPlatform, resolved: Resolved) -> dict[str, str]:
    """Every file of the build directory, {relative path: text}.

    ``charts/``, ``manifests/``, ``values/``, ``helmfile.yaml``, ``cluster/`` and the renderers' own ``files``.
    Raises ValueError when two parts would write the same path.
    """
    files: dict[str, str] = {}

    def add(path: str, text: str) -> None:
        if path in files:
            raise ValueError(f"two rendered files would be written to {path}")
        files[path] = text

    for name, chart in sorted(rendered.charts.items()):
        chart_texts, manifests_text = package_chart(chart)
        for path, text in chart_texts.items():
            add(path, text)
        add(f"manifests/{name}.yaml", manifests_text)
    for chart in sorted(rendered.bootstrap.values(), key=lambda c: c.name):
        chart_texts, manifests_text = package_chart(chart)
        for path, text in chart_texts.items():
            add(path, text)
        add(f"manifests/{chart.name}.yaml", manifests_text)
    for name, release in sorted(rendered.upstream.items()):
        add(f"values/{name}.yaml", dump_yaml(release.values))
    add("helmfile.yaml", helmfile_yaml(rendered, resolved))
    for key, objects in sorted(rendered.cluster.items()):
        add(f"cluster/{key}.yaml", stream([(obj, dump_yaml(obj)) for obj in objects]))
    for path, text in sorted(rendered.files.items()):
        add(path, text)
    return files
