module kubelab.local/web

go 1.24.0
