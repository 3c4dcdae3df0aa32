// kubelab-net gives an offline kind cluster its pod network: on every node it writes the CNI configuration for
// the node's pod CIDR, routes every other node's pod CIDR through that node's address, and masquerades traffic
// that leaves the pod network. kind's own kindnetd does the same job, but its module is not served by the Go
// module proxy our machines reach, so Kubelab builds this small daemon instead. NetworkPolicy is enforced by
// kube-router's firewall controller, running beside it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

const masqueradeChain = "KUBELAB-MASQ"

type config struct {
	nodeName      string
	podSubnet     string
	serviceSubnet string
	cniConfDir    string
	interval      time.Duration
}

func main() {
	cfg := config{
		nodeName:      os.Getenv("NODE_NAME"),
		podSubnet:     os.Getenv("POD_SUBNET"),
		serviceSubnet: os.Getenv("SERVICE_SUBNET"),
		cniConfDir:    envOr("CNI_CONFIG_DIR", "/etc/cni/net.d"),
		interval:      5 * time.Second,
	}
	if cfg.nodeName == "" || cfg.podSubnet == "" {
		log.Fatal("NODE_NAME and POD_SUBNET must be set (the DaemonSet sets them from the downward API and kind's pod subnet)")
	}
	if _, _, err := net.ParseCIDR(cfg.podSubnet); err != nil {
		log.Fatalf("POD_SUBNET %q is not a CIDR: %v", cfg.podSubnet, err)
	}
	restConfig, err := rest.InClusterConfig()
	if err != nil {
		log.Fatalf("in-cluster config: %v", err)
	}
	// kind tells the CNI where the API server is, so pod networking does not wait for kube-proxy's Service rules.
	if endpoint := os.Getenv("CONTROL_PLANE_ENDPOINT"); endpoint != "" {
		restConfig.Host = "https://" + endpoint
	}
	client := kubernetes.NewForConfigOrDie(restConfig)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	if err := ensureMasquerade(cfg.podSubnet); err != nil {
		log.Fatalf("masquerade rules: %v", err)
	}
	if cfg.serviceSubnet != "" {
		if err := ensureServiceCIDRStaysInside(cfg.serviceSubnet); err != nil {
			log.Fatalf("service subnet rules: %v", err)
		}
	}
	log.Printf("kubelab-net on node %s, pod subnet %s", cfg.nodeName, cfg.podSubnet)
	// Polling keeps the daemon tiny; clusters here have at most a handful of nodes, so a list every few
	// seconds costs nothing and heals any route someone deletes by hand.
	for {
		if err := reconcile(ctx, client, cfg); err != nil {
			log.Printf("reconcile: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(cfg.interval):
		}
	}
}

func envOr(key, fallback string) string {
	if value := os.Getenv(key); value != "" {
		return value
	}
	return fallback
}

func reconcile(ctx context.Context, client kubernetes.Interface, cfg config) error {
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	for i := range nodes.Items {
		node := &nodes.Items[i]
		cidrs := node.Spec.PodCIDRs
		if len(cidrs) == 0 && node.Spec.PodCIDR != "" {
			cidrs = []string{node.Spec.PodCIDR}
		}
		if len(cidrs) == 0 {
			continue // the controller manager has not allocated one yet
		}
		if node.Name == cfg.nodeName {
			if err := writeCNIConfig(cfg.cniConfDir, cidrs); err != nil {
				return err
			}
			continue
		}
		for _, cidr := range cidrs {
			if err := routeVia(cidr, internalIPFor(node, cidr)); err != nil {
				log.Printf("route %s via node %s: %v", cidr, node.Name, err)
			}
		}
	}
	return nil
}

// internalIPFor picks the node address of the same IP family as the pod CIDR.
func internalIPFor(node *corev1.Node, cidr string) net.IP {
	_, subnet, err := net.ParseCIDR(cidr)
	if err != nil {
		return nil
	}
	wantV4 := subnet.IP.To4() != nil
	for _, address := range node.Status.Addresses {
		if address.Type != corev1.NodeInternalIP {
			continue
		}
		ip := net.ParseIP(address.Address)
		if ip != nil && (ip.To4() != nil) == wantV4 {
			return ip
		}
	}
	return nil
}

func routeVia(cidr string, gateway net.IP) error {
	if gateway == nil {
		return fmt.Errorf("node has no internal IP yet")
	}
	_, dst, err := net.ParseCIDR(cidr)
	if err != nil {
		return err
	}
	return netlink.RouteReplace(&netlink.Route{Dst: dst, Gw: gateway})
}

type cniPlugin map[string]any

// writeCNIConfig writes the conflist only when it changes, and atomically: the container runtime watches the
// directory and must never read half a file.
func writeCNIConfig(dir string, cidrs []string) error {
	ranges := make([][]map[string]string, 0, len(cidrs))
	routes := []map[string]string{}
	for _, cidr := range cidrs {
		ranges = append(ranges, []map[string]string{{"subnet": cidr}})
		_, subnet, _ := net.ParseCIDR(cidr)
		if subnet != nil && subnet.IP.To4() == nil {
			routes = append(routes, map[string]string{"dst": "::/0"})
		} else {
			routes = append(routes, map[string]string{"dst": "0.0.0.0/0"})
		}
	}
	conf := map[string]any{
		"cniVersion": "0.4.0",
		"name":       "kubelab",
		"plugins": []cniPlugin{
			{
				"type":   "ptp",
				"ipMasq": false,
				"mtu":    linkMTU("eth0"),
				"ipam":   map[string]any{"type": "host-local", "ranges": ranges, "routes": routes, "dataDir": "/run/cni-ipam-state"},
			},
			{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
		},
	}
	data, err := json.MarshalIndent(conf, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "10-kubelab.conflist")
	if current, err := os.ReadFile(path); err == nil && string(current) == string(data) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	log.Printf("wrote %s for pod CIDRs %v", path, cidrs)
	return nil
}

func linkMTU(name string) int {
	if link, err := netlink.LinkByName(name); err == nil && link.Attrs().MTU > 0 {
		return link.Attrs().MTU
	}
	return 1500
}

// ensureMasquerade makes traffic from pods to anything outside the pod network leave with the node's address,
// so that the Docker network (and the host behind it) can answer.
func ensureMasquerade(podSubnet string) error {
	_ = exec.Command("iptables", "-t", "nat", "-N", masqueradeChain).Run() // fails only when it exists already
	rules := [][]string{
		{"-t", "nat", "-A", masqueradeChain, "-d", podSubnet, "-j", "RETURN"},
		{"-t", "nat", "-A", masqueradeChain, "-j", "MASQUERADE"},
		{"-t", "nat", "-A", "POSTROUTING", "-s", podSubnet, "-m", "comment", "--comment", "kubelab-net masquerade", "-j", masqueradeChain},
	}
	for _, rule := range rules {
		check := append([]string{}, rule...)
		for i, arg := range check {
			if arg == "-A" {
				check[i] = "-C"
			}
		}
		if exec.Command("iptables", check...).Run() == nil {
			continue
		}
		if out, err := exec.Command("iptables", rule...).CombinedOutput(); err != nil {
			return fmt.Errorf("iptables %v: %v: %s", rule, err, out)
		}
	}
	return nil
}

// ensureServiceCIDRStaysInside rejects packets still addressed to a Service IP after kube-proxy's DNAT had its
// chance. Until kube-proxy has written a Service's rules, such packets would follow the default route out of the
// node and the host, and whatever answers out there (a TLS-intercepting proxy, say) would be taken for the API
// server or for metrics-server, with keep-alive connections that stay wrong. A fast "port unreachable" makes
// clients retry instead.
func ensureServiceCIDRStaysInside(serviceSubnet string) error {
	for _, chain := range []string{"OUTPUT", "FORWARD"} {
		rule := []string{"-t", "filter", "-A", chain, "-d", serviceSubnet, "-m", "comment", "--comment", "kubelab-net: service IP not translated yet", "-j", "REJECT", "--reject-with", "icmp-port-unreachable"}
		check := append([]string{}, rule...)
		check[2] = "-C"
		if exec.Command("iptables", check...).Run() == nil {
			continue
		}
		if out, err := exec.Command("iptables", rule...).CombinedOutput(); err != nil {
			return fmt.Errorf("iptables %v: %v: %s", rule, err, out)
		}
	}
	return nil
}
