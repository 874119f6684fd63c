"""The auditor's model of a build directory: the files read back as Kubernetes objects and pod templates."""
