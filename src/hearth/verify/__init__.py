"""Independent verification of rendered Kubernetes manifests.

``hearth.verify.build.manifests`` loads YAML documents from files and directories;
``hearth.verify.reach`` evaluates NetworkPolicy reachability between the pods
those manifests describe. Neither depends on hearth's catalog, so they can
check any set of manifests, including ones hearth did not render.

``hearth.verify.report`` is ``hearth check``: it reads a build directory
(``audit``) and runs five sections over it, ``intent`` (zero trust),
``compliance``, ``capacity``, ``backups`` and ``statements``. Each section's
module holds its entry point and re-exports its public names; the pieces are
in modules named after the section (``reach_model``, ``capacity_placement``,
``statements_figures``, ...). Nothing here imports the catalog, the resolver
or the renderers.
"""
