// The course's sample web app (kubelab/web). Lessons deploy it, put Services and Ingresses in front of it and
// probe it, so every endpoint answers something a learner can recognise: which pod served the request, and
// whether the database its configuration points at answers.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func main() {
	hostname, _ := os.Hostname()
	addr := ":" + envOr("PORT", "5000")
	started := time.Now()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(hostname + "\n"))
	})
	mux.HandleFunc("GET /api/v1/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "OK"})
	})
	mux.HandleFunc("GET /api/v1/info", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"hostname": hostname,
			"version":  "1.0",
			"uptime":   time.Since(started).Round(time.Second).String(),
		})
	})
	mux.HandleFunc("GET /api/v1/db", func(w http.ResponseWriter, r *http.Request) {
		address, err := databaseAddress()
		if err == nil {
			err = pingRedis(address, os.Getenv("DB_PASSWORD"))
		}
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"database": "unreachable", "address": address, "error": err.Error(), "pod": hostname})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"database": "reachable", "address": address, "pod": hostname})
	})

	log.Printf("kubelab/web 1.0 listening on %s (pod %s)", addr, hostname)
	if address, err := databaseAddress(); err == nil {
		log.Printf("database: %s (password %s); GET /api/v1/db tries it", address, passwordState())
	}
	server := &http.Server{Addr: addr, Handler: logRequests(mux), ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(server.ListenAndServe())
}

// databaseAddress is host:port from DB_HOST and DB_PORT (Redis's 6379 when DB_PORT is unset), as a ConfigMap
// would give them.
func databaseAddress() (string, error) {
	host := strings.TrimSpace(os.Getenv("DB_HOST"))
	port := strings.TrimSpace(envOr("DB_PORT", "6379"))
	if host == "" {
		return "", errors.New("no database address configured: DB_HOST is not set (give it and DB_PORT to the container, for example from a ConfigMap)")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return net.JoinHostPort(host, port), fmt.Errorf("DB_PORT is %q, which is not a port number", port)
	}
	return net.JoinHostPort(host, port), nil
}

func passwordState() string {
	if os.Getenv("DB_PASSWORD") == "" {
		return "not set"
	}
	return "set"
}

// pingRedis speaks just enough of the Redis protocol to tell a learner what went wrong: it connects, sends AUTH
// when a password is given, then PING, and expects +PONG.
func pingRedis(address, password string) error {
	conn, err := net.DialTimeout("tcp", address, 3*time.Second)
	if err != nil {
		return explainDialError(address, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
	replies := bufio.NewReader(conn)
	if password != "" {
		reply, err := command(conn, replies, "AUTH", password)
		if err != nil {
			return fmt.Errorf("connected to %s, but AUTH got no answer: %v (is it a Redis server?)", address, err)
		}
		if reply != "+OK" {
			if strings.Contains(reply, "without any password configured") {
				return fmt.Errorf("connected to %s, but the database has no password set while DB_PASSWORD is (%s)", address, reply)
			}
			return fmt.Errorf("auth failed: the database at %s refused the password in DB_PASSWORD (%s)", address, reply)
		}
	}
	reply, err := command(conn, replies, "PING")
	if err != nil {
		return fmt.Errorf("connected to %s, but PING got no answer: %v (is it a Redis server?)", address, err)
	}
	switch {
	case reply == "+PONG":
		return nil
	case strings.HasPrefix(reply, "-NOAUTH"):
		return fmt.Errorf("auth failed: the database at %s wants a password, and DB_PASSWORD is not set (%s)", address, reply)
	default:
		return fmt.Errorf("connected to %s, but PING answered %q instead of +PONG", address, reply)
	}
}

// command sends one command as a RESP array of bulk strings and reads the first line of the reply.
func command(conn net.Conn, replies *bufio.Reader, words ...string) (string, error) {
	var request strings.Builder
	fmt.Fprintf(&request, "*%d\r\n", len(words))
	for _, word := range words {
		fmt.Fprintf(&request, "$%d\r\n%s\r\n", len(word), word)
	}
	if _, err := conn.Write([]byte(request.String())); err != nil {
		return "", err
	}
	line, err := replies.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func explainDialError(address string, err error) error {
	var dnsError *net.DNSError
	switch {
	case errors.As(err, &dnsError):
		return fmt.Errorf("cannot resolve the database host in DB_HOST (%s): %v", address, dnsError)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("connection refused by %s: nothing listens there (check DB_PORT, the Service's port and targetPort, and that a pod behind the Service is ready)", address)
	case os.IsTimeout(err):
		return fmt.Errorf("no answer from %s within 3s: check DB_PORT against the Service's port, and that a pod behind the Service is ready", address)
	default:
		return fmt.Errorf("cannot connect to %s: %v", address, err)
	}
}

func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.Printf("%s %s from %s", r.Method, r.URL.Path, r.RemoteAddr)
		next.ServeHTTP(w, r)
	})
}

func envOr(key, fallback string) string {
	if value := os.Getenv(key); value != "" {
		return value
	}
	return fallback
}
