"""Asks how to store a Hugging Face fine-tune being converted: which quantization, and whether to
keep the f16 file. Sizes are estimated from the folder's tensor headers (read in a moment)."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from assistant.convert.hf_folder import ConversionError, HFFolder
from assistant.convert.quantize import STORAGE_CHOICES, estimated_size
from assistant.model_info import human_count

NOTES = {"Q4_K_M": "recommended: small and close to the original", "Q5_K_M": "a little closer",
         "Q8_0": "nearly lossless, twice the size", "F16": "unquantized, largest and slowest"}


def parameter_count(folder: Path) -> int:
    try:
        tensors = HFFolder(folder).tensors.values()
    except ConversionError:
        return 0  # the conversion itself will say what is wrong
    return sum(math.prod(ref.shape) for ref in tensors)


def _size(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{max(n / 1e6, 0.1):.1f} MB"


class ConversionOptionsDialog(QDialog):
    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversionOptions")
        self.setWindowTitle("Convert a fine-tuned model")
        layout = QVBoxLayout(self)
        params = parameter_count(folder)
        size = f" ({human_count(params)} parameters)" if params else ""
        intro = QLabel(f"<b>{folder.name}</b>{size} is a Hugging Face model folder. It will be converted to GGUF "
                       "for llama.cpp. Choose how to store it:")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.combo = QComboBox()
        self.combo.setObjectName("quantization")
        for name in STORAGE_CHOICES:
            est = f", about {_size(estimated_size(params, name))}" if params else ""
            self.combo.addItem(f"{name} — {NOTES[name]}{est}", name)
        layout.addWidget(self.combo)
        self.keep = QCheckBox("Keep the f16 file as well")
        self.keep.setObjectName("keepF16")
        self.combo.currentIndexChanged.connect(lambda _i: self.keep.setEnabled(self.quantization() != "F16"))
        layout.addWidget(self.keep)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Convert")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def quantization(self) -> str:
        return str(self.combo.currentData())

    def keep_f16(self) -> bool:
        return self.keep.isChecked() and self.quantization() != "F16"
