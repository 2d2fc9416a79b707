"""Hugging Face model folder -> GGUF, without torch or transformers.

``hf_folder`` reads and checks the folder (config, safetensors shards), ``families`` knows
the architectures (hyperparameters, tensor names, shapes), ``vocab`` turns a SentencePiece
or byte-level BPE tokenizer into llama.cpp's vocabulary, ``hf_to_gguf`` streams the tensors
into an f16 GGUF, and ``quantize`` runs llama.cpp's quantizer in a child process.
"""
