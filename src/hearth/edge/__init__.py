"""The gateway VPS and its end of the tunnel, as files: ``build/gateway/``.

The seed puts a public VPS in front of the cluster: Pangolin (the tunnel's control plane), Gerbil (its WireGuard
server) and an edge Traefik that terminates TLS and hands every public hostname to the cluster Traefik through the
tunnel. ``hearth.edge.render.render_edge`` renders what that VPS runs; ``hearth.edge.public`` says what it
publishes. Nothing here is a secret: the files name the environment variables and files the operator provides.
"""
