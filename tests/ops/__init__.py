"""Operations: the container image, docker-compose.yml, their helper scripts and the operations docs.
No Docker engine is needed: the files are checked against their specifications and against the code."""
