"""Production deployment: compose file, Kubernetes manifests, ClickHouse cluster configs and their secrets."""
