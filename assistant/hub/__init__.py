"""Getting models: the curated catalog, the Hugging Face Hub (search, downloads), and models other local
tools already downloaded."""
