package cache

import (
	"context"
	"crypto/tls"
	"log"
	"os"

	"github.com/redis/go-redis/v9"
)

// Connect returns the Redis client used for product catalogs and sessions (cache-aside).
// ElastiCache takes TLS in transit and the AUTH token only (REDIS_TLS=true).
func Connect(addr, password string) *redis.Client {
	if addr == "" {
		addr = "localhost:6379"
	}
	opts := &redis.Options{Addr: addr, Password: password, DB: 0}
	if os.Getenv("REDIS_TLS") == "true" {
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	rdb := redis.NewClient(opts)
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		log.Printf("redis unavailable, continuing without cache: %v", err)
	}
	return rdb
}
