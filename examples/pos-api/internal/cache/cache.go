package cache

import (
	"context"
	"log"

	"github.com/redis/go-redis/v9"
)

// Connect returns the Redis client used for product catalogs and sessions (cache-aside).
func Connect(addr, password string) *redis.Client {
	if addr == "" {
		addr = "localhost:6379"
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, Password: password, DB: 0})
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		log.Printf("redis unavailable, continuing without cache: %v", err)
	}
	return rdb
}
