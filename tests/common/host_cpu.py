"""The CPU identity as /proc/cpuinfo states it, read independently of the engine's reader (HostCpu), so
that tests of the kernel wisdom compare the engine with the kernel's own account of the CPU."""


def host_cpu():
    """vendor, model name, microcode, family, model, stepping (first processor block) and the count of
    logical CPUs, under the member names of the kernel wisdom file's "cpu" object."""
    with open("/proc/cpuinfo") as f:
        text = f.read()
    fields = {}
    for line in text.split("\n\n")[0].splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return {"vendor": fields.get("vendor_id", ""), "model_name": fields.get("model name", ""),
            "microcode": fields.get("microcode", ""), "family": int(fields.get("cpu family", 0)),
            "model": int(fields.get("model", 0)), "stepping": int(fields.get("stepping", 0)),
            "logical_cpus": sum(1 for line in text.splitlines() if line.startswith("processor"))}
