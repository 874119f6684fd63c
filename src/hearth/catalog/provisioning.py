"""Catalog facts the provisioning layer (``build/ansible``) needs beyond the seed's nodes and addresses.

The seed states the nodes, the Proxmox host and the versions; it does not say how the VMs are made (template,
storage, cloud-init user) nor which kubespray release installs Kubernetes. Those choices live here, in the
catalog, so the rendered Ansible never types a fact of its own. No secret is a field: the Proxmox API token's
secret comes from the operator's environment at run time.
"""

from __future__ import annotations

from ipaddress import IPv4Address

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProxmoxApi(_Strict):
    """How the controller reaches the Proxmox VE API and clones the node VMs."""

    node: str = Field(default="home-server", description="Proxmox node name (`pvesh get /nodes`) the VMs live on")
    port: int = Field(default=8006, ge=1, le=65535, description="API port (pveproxy listens on 8006)")
    api_user: str = Field(default="hearth@pve", description="API user; the token id and secret come from the operator")
    template_vmid: int = Field(default=9000, ge=100, description="VM id of the cloud-init template to clone")
    vmid_base: int = Field(
        default=100, ge=100, description="a node's VM id is this plus the last octet of its LAN address"
    )
    storage: str = Field(default="local-lvm", description="storage the full clones are written to")
    disk: str = Field(default="scsi0", description="the template's boot disk, grown to the node's disk size")
    ciuser: str = Field(default="hearth", description="cloud-init user, the one Ansible logs in as")
    ssh_public_key_file: str = Field(
        default="~/.ssh/id_ed25519.pub", description="operator's public key put into the VMs by cloud-init"
    )
    lan_gateway: IPv4Address = Field(
        default=IPv4Address("192.168.100.1"), description="default route cloud-init gives the VMs (ipconfig0 gw=)"
    )
    nameservers: list[str] = Field(default=["192.168.100.1"], description="resolvers cloud-init writes")


class HelmChart(_Strict):
    """A pinned Helm chart the provisioning roles install before the platform exists."""

    repo: str
    """the chart repository URL."""
    name: str
    """the chart's name in that repository."""
    version: str
    """the pinned chart version."""
    namespace: str
    """the namespace it is installed into."""


class Provisioning(_Strict):
    """Everything ``build/ansible`` needs that the seed leaves unsaid."""

    # bring-up.md: v2.26.x is the kubespray line with checksums for Kubernetes v1.28.5 and Calico v3.28.0.
    kubespray_version: str = Field(default="v2.26.0", pattern=r"^v2\.[0-9]+\.[0-9]+$")
    """the kubespray release that installs Kubernetes (vX.Y.Z)."""
    # kubespray docs/ansible/ansible_collection.md: requirements.yml `name: <this repo>, type: git, version: <tag>`.
    kubespray_repo: str = "https://github.com/kubernetes-sigs/kubespray"
    """the kubespray git repository requirements.yml names."""
    proxmox: ProxmoxApi = ProxmoxApi()
    """how the node VMs are cloned on Proxmox."""
    # Source: openebs/dynamic-localpv-provisioner deploy/helm/charts/Chart.yaml (chart localpv-provisioner 4.x),
    # repository https://openebs.github.io/dynamic-localpv-provisioner.
    hostpath_chart: HelmChart = HelmChart(
        repo="https://openebs.github.io/dynamic-localpv-provisioner",
        name="localpv-provisioner",
        version="4.1.1",
        namespace="openebs",
    )
    """the chart that provides storage_class before the platform exists."""
