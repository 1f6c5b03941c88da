package db

import (
	"log"

	_ "github.com/lib/pq"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// Connect opens the PostgreSQL pool; GORM for the models, lib/pq for the raw reporting queries.
func Connect(dsn string) *gorm.DB {
	database, err := gorm.Open(postgres.Open(dsn), &gorm.Config{})
	if err != nil {
		log.Fatalf("connect postgres: %v", err)
	}
	sqlDB, _ := database.DB()
	sqlDB.SetMaxOpenConns(20)
	return database
}
