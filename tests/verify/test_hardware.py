"""Hardware names match by whole tokens (zoogen.verify.hardware)."""

from __future__ import annotations

import pytest

from zoogen.verify.hardware import hardware_matches, hardware_tokens

# What torch.cuda.get_device_name() reports on current and recent NVIDIA products.
DEVICES = [
    "Tesla V100-SXM2-32GB", "Tesla V100-PCIE-16GB", "Tesla V100S-PCIE-32GB", "Tesla T4", "NVIDIA T400",
    "NVIDIA T400 4GB", "NVIDIA A10", "NVIDIA A10G", "NVIDIA A100-SXM4-40GB", "NVIDIA A100-SXM4-80GB",
    "NVIDIA A100 80GB PCIe", "NVIDIA L4", "NVIDIA L40", "NVIDIA L40S", "NVIDIA H100 80GB HBM3",
    "NVIDIA H100 PCIe", "NVIDIA H200", "NVIDIA GH200 480GB", "NVIDIA B200", "NVIDIA GeForce RTX 3090",
    "NVIDIA GeForce RTX 3090 Ti", "NVIDIA GeForce RTX 2080 Ti", "NVIDIA GeForce RTX 2080", "NVIDIA GeForce RTX 4090",
    "NVIDIA GeForce GTX 1660 Ti", "NVIDIA GeForce GTX 1660", "NVIDIA GeForce GTX 1080", "Quadro RTX 6000",
    "NVIDIA RTX 6000 Ada Generation", "NVIDIA RTX A6000",
]

# Hardware as the metafiles of ../shared/corpora (MMDetection, MMPose, MMPretrain) spell it, with the
# devices each one names; every other device of DEVICES must not match.
CASES = {
    "V100": {"Tesla V100-SXM2-32GB", "Tesla V100-PCIE-16GB"},
    "V100 GPUs": {"Tesla V100-SXM2-32GB", "Tesla V100-PCIE-16GB"},
    "Tesla V100 (32G)": {"Tesla V100-SXM2-32GB"},
    "RTX2080Ti": {"NVIDIA GeForce RTX 2080 Ti"},
    "A100 GPUs": {"NVIDIA A100-SXM4-40GB", "NVIDIA A100-SXM4-80GB", "NVIDIA A100 80GB PCIe"},
    "A100-80G GPUs": {"NVIDIA A100-SXM4-80GB", "NVIDIA A100 80GB PCIe"},
    "GTX 1660 Ti GPU": {"NVIDIA GeForce GTX 1660 Ti"},
    "3090 GPUs": {"NVIDIA GeForce RTX 3090"},
    "t4": {"Tesla T4"},
    "1080 GPUs": {"NVIDIA GeForce GTX 1080"},
    # and names of current products a metafile could give
    "A10": {"NVIDIA A10"},
    "L4": {"NVIDIA L4"},
    "L40": {"NVIDIA L40"},
    "L40S": {"NVIDIA L40S"},
    "T400": {"NVIDIA T400", "NVIDIA T400 4GB"},
    "H100": {"NVIDIA H100 80GB HBM3", "NVIDIA H100 PCIe"},
    "8x H100 80GB": {"NVIDIA H100 80GB HBM3", "NVIDIA H100 PCIe"},  # the PCIe name states no memory
    "H200": {"NVIDIA H200"},
    "RTX 3090": {"NVIDIA GeForce RTX 3090"},
    "RTX 3090 Ti": {"NVIDIA GeForce RTX 3090 Ti"},
    "RTX 6000 Ada": {"NVIDIA RTX 6000 Ada Generation"},
    "Quadro RTX 6000": {"Quadro RTX 6000"},
    "RTX A6000": {"NVIDIA RTX A6000"},
}


@pytest.mark.parametrize("hardware", sorted(CASES))
def test_hardware_names_their_devices_only(hardware: str) -> None:
    matched = {device for device in DEVICES if hardware_matches(hardware, device)}
    assert matched == CASES[hardware]


@pytest.mark.parametrize(
    ("hardware", "device"),
    [("A10", "NVIDIA A100-SXM4-40GB"), ("L4", "NVIDIA L40S"), ("T4", "NVIDIA T400"), ("V100", "Tesla V100S-PCIE-32GB"),
     ("H100", "NVIDIA GH200 480GB"), ("GTX 1660", "NVIDIA GeForce GTX 1660 Ti"), ("A100-80G", "NVIDIA A100-SXM4-40GB")],
)
def test_the_near_misses(hardware: str, device: str) -> None:
    assert not hardware_matches(hardware, device)


def test_case_spacing_and_missing_names() -> None:
    assert hardware_matches("v100", "TESLA V100-SXM2-32GB")
    assert hardware_matches("RTX 2080 Ti", "NVIDIA GeForce RTX2080Ti")
    assert not hardware_matches(None, "Tesla V100")
    assert not hardware_matches("V100", None)
    assert not hardware_matches("GPU", "NVIDIA A10")  # nothing but noise names no device
    assert not hardware_matches("", "NVIDIA A10")


def test_tokens() -> None:
    assert hardware_tokens("Tesla V100 (32G)") == ([["v", "100"]], 32)
    assert hardware_tokens("8xA100-80GB GPUs") == ([["a", "100"]], 80)
