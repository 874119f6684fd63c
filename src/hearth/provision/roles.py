"""The hand-written roles of ``build/ansible/roles``: tasks that read every fact from group_vars.

The texts are constants because nothing in them is a catalog fact: nodes, sizes, versions and names come from
``inventory/group_vars`` (rendered from the catalog). Only the infrastructure role's component tasks are
generated (see ``render.py``), because their tags come from the dependency graph.
"""

from __future__ import annotations

_PROXMOX_AUTH = """\
    api_host: "{{ proxmox_api_host }}:{{ proxmox_api_port }}"
    api_user: "{{ proxmox_api_user }}"
    api_token_id: "{{ proxmox_token_id }}"
    api_token_secret: "{{ proxmox_token_secret }}"
    validate_certs: "{{ proxmox_validate_certs }}"
"""

PROXMOX_DEFAULTS = """\
---
# The API token is the operator's: read from the environment at run time, never written to a file.
proxmox_token_id: "{{ lookup('ansible.builtin.env', 'PROXMOX_TOKEN_ID') }}"
proxmox_token_secret: "{{ lookup('ansible.builtin.env', 'PROXMOX_TOKEN_SECRET') }}"
"""

PROXMOX_TASKS = f"""\
---
# Clone the catalog's node VMs from the cloud-init template, size them, start them and wait for SSH.
# community.general's proxmox modules (8.6.3, bundled in ansible 9.8.0) have no check mode: under --check Ansible
# skips them. Each step reads the VM state first, so a second run changes nothing.
- name: Require the operator's Proxmox API token
  ansible.builtin.assert:
    that:
      - proxmox_token_id | length > 0
      - proxmox_token_secret | length > 0
    fail_msg: Set PROXMOX_TOKEN_ID (the token's name) and PROXMOX_TOKEN_SECRET in the environment.
    quiet: true

- name: Clone the node VMs from the cloud-init template
  community.general.proxmox_kvm:
{_PROXMOX_AUTH}    node: "{{{{ proxmox_node }}}}"
    vmid: "{{{{ proxmox_template_vmid }}}}"
    clone: template
    newid: "{{{{ item.vmid }}}}"
    name: "{{{{ item.name }}}}"
    full: true
    storage: "{{{{ proxmox_storage }}}}"
    timeout: 600
  loop: "{{{{ proxmox_vms }}}}"
  loop_control:
    label: "{{{{ item.name }}}}"

- name: Read the node VMs' configuration
  community.general.proxmox_vm_info:
{_PROXMOX_AUTH}    node: "{{{{ proxmox_node }}}}"
    type: qemu
    config: current
  register: proxmox_current

- name: Set cores, memory, cloud-init user, SSH key and address where they differ
  community.general.proxmox_kvm:
{_PROXMOX_AUTH}    node: "{{{{ proxmox_node }}}}"
    vmid: "{{{{ item.vmid }}}}"
    name: "{{{{ item.name }}}}"
    update: true
    cores: "{{{{ item.cores }}}}"
    memory: "{{{{ item.memory_mb }}}}"
    ciuser: "{{{{ proxmox_ciuser }}}}"
    sshkeys: "{{{{ lookup('ansible.builtin.file', proxmox_ssh_public_key_file | expanduser) }}}}"
    ipconfig:
      ipconfig0: "{{{{ item.ipconfig0 }}}}"
    nameservers: "{{{{ proxmox_nameservers }}}}"
  vars:
    proxmox_config: "{{{{ (proxmox_current.proxmox_vms | selectattr('vmid', 'equalto', item.vmid) | first).config }}}}"
  when: >-
    proxmox_config.cores | default(0) | int != item.cores
    or proxmox_config.memory | default(0) | int != item.memory_mb
    or proxmox_config.ciuser | default('') != proxmox_ciuser
    or proxmox_config.ipconfig0 | default('') != item.ipconfig0
    or proxmox_config.sshkeys is not defined
  loop: "{{{{ proxmox_vms }}}}"
  loop_control:
    label: "{{{{ item.name }}}}"

- name: Grow each boot disk to the node's size
  community.general.proxmox_disk:
{_PROXMOX_AUTH}    vmid: "{{{{ item.vmid }}}}"
    disk: "{{{{ proxmox_disk }}}}"
    size: "{{{{ item.disk }}}}"
    state: resized
  loop: "{{{{ proxmox_vms }}}}"
  loop_control:
    label: "{{{{ item.name }}}}"

- name: Start the node VMs
  community.general.proxmox_kvm:
{_PROXMOX_AUTH}    node: "{{{{ proxmox_node }}}}"
    vmid: "{{{{ item.vmid }}}}"
    state: started
  loop: "{{{{ proxmox_vms }}}}"
  loop_control:
    label: "{{{{ item.name }}}}"

- name: Wait for SSH on each node
  ansible.builtin.wait_for:
    host: "{{{{ item.ip }}}}"
    port: 22
    timeout: 600
  when: proxmox_wait_for_ssh | bool
  loop: "{{{{ proxmox_vms }}}}"
  loop_control:
    label: "{{{{ item.name }}}}"
"""

KUBESPRAY_TASKS = """\
---
# Checks before kubespray's cluster playbook (imported by all.yml) runs with this inventory and its group_vars.
- name: Require the ansible-core kubespray's release supports
  ansible.builtin.assert:
    that:
      - ansible_version.full is version('2.16.4', '>=')
      - ansible_version.full is version('2.17.0', '<')
    fail_msg: kubespray v2.26 (playbooks/ansible_version.yml) needs 2.16.4 <= ansible-core < 2.17
    quiet: true
  run_once: true

- name: Require an address kubespray binds to on every node
  ansible.builtin.assert:
    that:
      - ip is defined
      - ip == ansible_host
    quiet: true
"""

CNI_TASKS = """\
---
# Read-only: every task runs unchanged under --check.
# Calico as the catalog states it: the default pool's encapsulation and CIDR, and every node Ready.
- name: Read Calico's default IPv4 pool
  kubernetes.core.k8s_info:
    kubeconfig: "{{ hearth_kubeconfig }}"
    api_version: crd.projectcalico.org/v1
    kind: IPPool
  register: cni_pools

- name: Check the pool's encapsulation and CIDR
  ansible.builtin.assert:
    that:
      - cni_pool.spec.cidr == kube_pods_subnet
      - cni_pool.spec.ipipMode == calico_ipip_mode
      - cni_pool.spec.vxlanMode | default('Never') == calico_vxlan_mode
    quiet: true
  vars:
    cni_pool: "{{ cni_pools.resources | selectattr('spec.cidr', 'equalto', kube_pods_subnet) | first }}"
    kube_pods_subnet: "{{ hostvars[groups['kube_control_plane'][0]].kube_pods_subnet }}"
    calico_ipip_mode: "{{ hostvars[groups['kube_control_plane'][0]].calico_ipip_mode }}"
    calico_vxlan_mode: "{{ hostvars[groups['kube_control_plane'][0]].calico_vxlan_mode }}"

- name: Wait for every node to be Ready
  kubernetes.core.k8s_info:
    kubeconfig: "{{ hearth_kubeconfig }}"
    kind: Node
    name: "{{ item }}"
    wait: true
    wait_condition:
      type: Ready
      status: "True"
    wait_timeout: 600
  loop: "{{ groups['k8s_cluster'] }}"
"""

STORAGE_TASKS = """\
---
# kubernetes.core.helm supports --check --diff.
# OpenEBS local PV hostpath from its pinned chart, and the StorageClass the platform's claims use.
- name: Install the OpenEBS hostpath provisioner
  kubernetes.core.helm:
    kubeconfig: "{{ hearth_kubeconfig }}"
    name: "{{ storage_chart.name }}"
    chart_ref: "{{ storage_chart.name }}"
    chart_repo_url: "{{ storage_chart.repo }}"
    chart_version: "{{ storage_chart.version }}"
    release_namespace: "{{ storage_chart.namespace }}"
    create_namespace: true
    wait: true
    # Chart values (dynamic-localpv-provisioner deploy/helm/charts/values.yaml): hostpathClass.*.
    values:
      hostpathClass:
        enabled: true
        name: "{{ hearth_storage_class }}"
        isDefaultClass: true
        basePath: /var/openebs/local

- name: Read the hostpath StorageClass
  kubernetes.core.k8s_info:
    kubeconfig: "{{ hearth_kubeconfig }}"
    kind: StorageClass
    name: "{{ hearth_storage_class }}"
  register: storage_class

- name: Check the StorageClass is OpenEBS hostpath
  ansible.builtin.assert:
    that:
      - storage_class.resources | length == 1
      - storage_class.resources[0].provisioner == 'openebs.io/local'
      - storage_class.resources[0].volumeBindingMode == 'WaitForFirstConsumer'
    quiet: true
"""

PANGOLIN_DEFAULTS = """\
---
# The gateway's artifacts (compose file and configs) as hearth renders them beside build/ansible.
pangolin_artifacts_dir: "{{ playbook_dir }}/../gateway"
pangolin_dir: /opt/pangolin
# The component whose namespace the tunnel connector (Newt) runs in.
pangolin_connector_component: pangolin
pangolin_newt_secret: newt-credentials
# The connector's credentials, issued by Pangolin for the site: the operator's, never in a file.
pangolin_newt_id: "{{ lookup('ansible.builtin.env', 'NEWT_ID') }}"
pangolin_newt_secret_value: "{{ lookup('ansible.builtin.env', 'NEWT_SECRET') }}"
"""

PANGOLIN_TASKS = """\
---
# copy, docker_compose_v2 and k8s support --check (copy and k8s also --diff); the health wait is a read.
# The gateway VPS: Pangolin, Gerbil and Traefik from the rendered compose project, then the connector's credentials.
- name: Copy the gateway's compose project and configs
  ansible.builtin.copy:
    src: "{{ pangolin_artifacts_dir }}/"
    dest: "{{ pangolin_dir }}/"
    mode: "0640"
    directory_mode: "0750"
  become: true

- name: Start the gateway's containers
  community.docker.docker_compose_v2:
    project_src: "{{ pangolin_dir }}"
    state: present
  become: true

- name: Wait for Pangolin's API
  ansible.builtin.uri:
    url: http://localhost:3001/api/v1/
    status_code: 200
  register: pangolin_health
  until: pangolin_health.status == 200
  retries: 30
  delay: 5

- name: Register the connector's credentials in the cluster
  kubernetes.core.k8s:
    kubeconfig: "{{ hostvars['localhost'].hearth_kubeconfig }}"
    state: present
    definition:
      apiVersion: v1
      kind: Secret
      metadata:
        name: "{{ pangolin_newt_secret }}"
        namespace: "{{ hearth_components[pangolin_connector_component] }}"
      stringData:
        NEWT_ID: "{{ pangolin_newt_id }}"
        NEWT_SECRET: "{{ pangolin_newt_secret_value }}"
  delegate_to: localhost
  no_log: true
  when: pangolin_newt_id | length > 0
"""

INFRASTRUCTURE_MAIN = """\
---
# The platform: `hearth apply` once per component in deploy order (components.yml, tagged from the graph).
# --check: ansible.builtin.command has no check mode, so Ansible skips the apply tasks; run `hearth plan --tags`
# for what they would do. The prerequisites and verify tasks only read and run in check mode too.
- name: Prerequisites
  ansible.builtin.import_tasks: prerequisites.yml
  tags: [prerequisites]

- name: Components
  ansible.builtin.import_tasks: components.yml

- name: Verify
  ansible.builtin.import_tasks: verify.yml
  tags: [verify]
"""

INFRASTRUCTURE_DEFAULTS = """\
---
# Extra options for every `hearth apply` (e.g. ['--platform', '/path/to/catalog']); the packaged seed when empty.
infrastructure_apply_options: []
"""

INFRASTRUCTURE_PREREQUISITES = """\
---
- name: Check the catalog hearth applies
  ansible.builtin.command:
    argv: "{{ ['hearth', 'validate'] + infrastructure_apply_options }}"
  changed_when: false
  check_mode: false

- name: Check the cluster's kubeconfig
  ansible.builtin.stat:
    path: "{{ hearth_kubeconfig }}"
  register: infrastructure_kubeconfig
  failed_when: not infrastructure_kubeconfig.stat.exists
"""

INFRASTRUCTURE_VERIFY = """\
---
- name: Find pods that are neither running nor done
  kubernetes.core.k8s_info:
    kubeconfig: "{{ hearth_kubeconfig }}"
    kind: Pod
    namespace: "{{ item }}"
    field_selectors:
      - status.phase!=Running
      - status.phase!=Succeeded
  register: infrastructure_pending
  loop: "{{ hearth_components.values() | unique | sort }}"

- name: Check every pod runs
  ansible.builtin.assert:
    that:
      - infrastructure_pending.results | map(attribute='resources') | flatten | length == 0
    quiet: true
"""

MONITORING_TASKS = """\
---
# Prometheus through the API server's service proxy; prometheus-operated is the governing Service the Prometheus
# Operator creates for every Prometheus (port name web, 9090).
- name: Read Prometheus' scrape targets
  ansible.builtin.command:
    argv:
      - kubectl
      - --kubeconfig={{ hearth_kubeconfig }}
      - get
      - --raw
      - /api/v1/namespaces/{{ monitoring_namespace }}/services/prometheus-operated:web/proxy/api/v1/targets
  register: monitoring_targets
  changed_when: false
  check_mode: false

- name: Check every target is up
  ansible.builtin.assert:
    that:
      - monitoring_down | length == 0
    fail_msg: "targets down: {{ monitoring_down | map(attribute='scrapeUrl') | list }}"
  vars:
    monitoring_down: >-
      {{ (monitoring_targets.stdout | from_json).data.activeTargets | rejectattr('health', 'equalto', 'up') }}

- name: Read Prometheus' loaded rules
  ansible.builtin.command:
    argv:
      - kubectl
      - --kubeconfig={{ hearth_kubeconfig }}
      - get
      - --raw
      - /api/v1/namespaces/{{ monitoring_namespace }}/services/prometheus-operated:web/proxy/api/v1/rules
  register: monitoring_rules
  changed_when: false
  check_mode: false

- name: Check the catalog's alert rules are loaded
  ansible.builtin.assert:
    that:
      - monitoring_alerts | difference(monitoring_loaded) | length == 0
    fail_msg: "alert rules not loaded: {{ monitoring_alerts | difference(monitoring_loaded) }}"
  vars:
    monitoring_loaded: >-
      {{ (monitoring_rules.stdout | from_json).data.groups | map(attribute='rules') | flatten | map(attribute='name') }}
"""

BACKUP_TASKS = """\
---
# kubernetes.core.k8s supports --check --diff; under --check the first backup is not created, so its wait is skipped.
# Velero: the backup location is Available, then a first backup (created once; its name is fixed).
- name: Wait for Velero's backup location to be available
  kubernetes.core.k8s_info:
    kubeconfig: "{{ hearth_kubeconfig }}"
    api_version: velero.io/v1
    kind: BackupStorageLocation
    namespace: "{{ backup_namespace }}"
  register: backup_locations
  until: >-
    backup_locations.resources | length > 0
    and backup_locations.resources | map(attribute='status.phase', default='') | unique == ['Available']
  retries: 30
  delay: 10

- name: Take a first backup
  kubernetes.core.k8s:
    kubeconfig: "{{ hearth_kubeconfig }}"
    state: present
    definition:
      apiVersion: velero.io/v1
      kind: Backup
      metadata:
        name: "{{ backup_first_name }}"
        namespace: "{{ backup_namespace }}"
      spec:
        includedNamespaces: ["*"]
        storageLocation: "{{ backup_locations.resources[0].metadata.name }}"

- name: Wait for the first backup to complete
  kubernetes.core.k8s_info:
    kubeconfig: "{{ hearth_kubeconfig }}"
    api_version: velero.io/v1
    kind: Backup
    namespace: "{{ backup_namespace }}"
    name: "{{ backup_first_name }}"
  register: backup_first
  until: backup_first.resources | map(attribute='status.phase', default='') | first in ['Completed']
  retries: 60
  delay: 10
  when: not ansible_check_mode
"""
