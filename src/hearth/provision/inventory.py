"""The inventory (kubespray's groups) and group_vars, from the catalog's nodes, addresses and versions."""

from __future__ import annotations

from typing import Any

from hearth.catalog.models import Node, Platform
from hearth.quantity import byte_count

GIB = 1024**3
MIB = 1024**2


def vm_id(platform: Platform, node: Node) -> int:
    """A node's Proxmox VM id: the base plus the last octet of its LAN address, stable when nodes are reordered."""
    return platform.provisioning.proxmox.vmid_base + int(str(node.lan_ip).rsplit(".", 1)[1])


def render_hosts_ini(platform: Platform) -> str:
    """``inventory/hosts.ini``: the Proxmox host, the gateway VPS, the controller and kubespray's groups.

    Group names are kubespray v2.26's (inventory/sample/inventory.ini): kube_control_plane, etcd, kube_node and
    k8s_cluster:children. A control-plane node that runs workloads (``schedulable``) is in kube_node too.
    """
    control = [n for n in platform.nodes if n.role == "control-plane"]
    workers = [n for n in platform.nodes if n.role == "worker" or n.schedulable]
    lines = [
        "# Rendered by hearth from the catalog (platform.yaml: nodes, proxmox, gateway). Do not edit.",
        "[controller]",
        'localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"',
        "",
        "[proxmox]",
        f"{platform.proxmox.name} ansible_host={platform.proxmox.lan_ip}",
        "",
        "[gateway]",
        f"{platform.gateway.name} ansible_host={platform.gateway.public_ip}",
        "",
        "[kube_control_plane]",
    ]
    seen: set[str] = set()

    def host(node: Node) -> str:
        if node.name in seen:
            return node.name
        seen.add(node.name)
        return f"{node.name} ansible_host={node.lan_ip} ip={node.lan_ip} access_ip={node.lan_ip}"

    lines += [host(n) for n in control]
    lines += ["", "[etcd]", *[host(n) for n in control], "", "[kube_node]", *[host(n) for n in workers]]
    lines += ["", "[k8s_cluster:children]", "kube_control_plane", "kube_node", ""]
    return "\n".join(lines)


def calico_modes(mode: str) -> tuple[str, str]:
    """(calico_ipip_mode, calico_vxlan_mode) for the catalog's encapsulation, e.g. ``IPIPCrossSubnet``.

    kubespray's roles/network_plugin/calico/tasks/check.yml rejects IP-in-IP together with VXLAN, so one is Never.
    """
    for prefix, ipip in (("IPIP", True), ("VXLAN", False)):
        if mode.startswith(prefix):
            when = mode[len(prefix) :] or "Always"
            if when not in ("Always", "CrossSubnet"):
                break
            return (when, "Never") if ipip else ("Never", when)
    if mode == "None":
        return ("Never", "Never")
    raise ValueError(f"cni.mode {mode!r}: expected IPIP, IPIPCrossSubnet, VXLAN, VXLANCrossSubnet or None")


def k8s_cluster_vars(platform: Platform) -> dict[str, Any]:
    """kubespray's variables (group_vars/k8s_cluster) from the catalog; names as in kubespray v2.26's sample."""
    ipip, vxlan = calico_modes(platform.cni.mode)
    out: dict[str, Any] = {
        "ansible_user": platform.provisioning.proxmox.ciuser,
        # kubespray's playbooks expect to run as root on the nodes (its docs run them with --become).
        "ansible_become": True,
        "kube_version": platform.kubernetes_version,
        "kube_network_plugin": platform.cni.name,
        "kube_pods_subnet": str(platform.pod_cidr),
        "kube_service_addresses": str(platform.service_cidr),
        "kube_proxy_mode": "ipvs",
        "container_manager": "containerd",
        "etcd_deployment_type": "host",
        "enable_nodelocaldns": platform.node_local_dns is not None,
        # Write admin.conf to inventory/artifacts on the controller: the cni, storage and later roles use it.
        "kubeconfig_localhost": True,
    }
    if platform.node_local_dns is not None:
        out["nodelocaldns_ip"] = str(platform.node_local_dns)
    if platform.cni.name == "calico":
        # roles/network_plugin/calico_defaults/defaults/main.yml: backend bird carries IP-in-IP routes.
        out |= {
            "calico_version": platform.cni.version,
            "calico_network_backend": "bird" if ipip != "Never" else "vxlan",
            "calico_ipip_mode": ipip,
            "calico_vxlan_mode": vxlan,
        }
    return out


def all_vars(
    platform: Platform, components: dict[str, str], alerts: list[str], velero_namespace: str
) -> dict[str, Any]:
    """group_vars/all: what the hearth roles read (Proxmox, chart pins, names the checks compare against).

    ``components`` maps each component to its namespace; ``alerts`` names the alert rules Prometheus must load.
    """
    prov = platform.provisioning
    px = prov.proxmox
    prefix = platform.lan_subnet.prefixlen
    vms = [
        {
            "name": n.name,
            "vmid": vm_id(platform, n),
            "cores": n.cpu,
            "memory_mb": byte_count(n.memory) // MIB,
            # Proxmox sizes are binary: "50G" is 50 GiB (qm(1), disk size <DiskSize>).
            "disk": f"{byte_count(n.disk) // GIB}G",
            "ipconfig0": f"ip={n.lan_ip}/{prefix},gw={px.lan_gateway}",
            "ip": str(n.lan_ip),
        }
        for n in platform.nodes
    ]
    return {
        "hearth_platform": platform.name,
        "hearth_domain": platform.domain,
        "hearth_kubeconfig": "{{ inventory_dir }}/artifacts/admin.conf",
        "hearth_storage_class": platform.storage_class,
        "hearth_components": components,
        "proxmox_api_host": str(platform.proxmox.lan_ip),
        "proxmox_api_port": px.port,
        "proxmox_api_user": px.api_user,
        "proxmox_validate_certs": True,
        "proxmox_node": px.node,
        "proxmox_template_vmid": px.template_vmid,
        "proxmox_storage": px.storage,
        "proxmox_disk": px.disk,
        "proxmox_ciuser": px.ciuser,
        "proxmox_ssh_public_key_file": px.ssh_public_key_file,
        "proxmox_nameservers": list(px.nameservers),
        "proxmox_wait_for_ssh": True,
        "proxmox_vms": vms,
        "storage_chart": prov.hostpath_chart.model_dump(),
        "monitoring_alerts": alerts,
        "backup_namespace": velero_namespace,
        "backup_first_name": f"{platform.name}-first",
    }
