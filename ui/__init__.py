"""The Qt shell: presents the core in assistant/ and forwards the user's actions to it."""
