"""Independent verification of rendered Kubernetes manifests.

``hearth.verify.manifests`` loads YAML documents from files and directories;
``hearth.verify.reach`` evaluates NetworkPolicy reachability between the pods
those manifests describe. Neither depends on hearth's catalog, so they can
check any set of manifests, including ones hearth did not render.
"""
