// @title           TillCraft POS API
// @version         1.3
// @description     Multi-tenant point-of-sale backend for the TillCraft Flutter apps.
// @BasePath        /api/v1
// @securityDefinitions.apikey BearerAuth
// @in header
// @name Authorization
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
	swaggerFiles "github.com/swaggo/files"
	ginSwagger "github.com/swaggo/gin-swagger"

	_ "github.com/tillcraft/pos-api/docs"
	"github.com/tillcraft/pos-api/internal/cache"
	"github.com/tillcraft/pos-api/internal/db"
	"github.com/tillcraft/pos-api/internal/handlers"
	"github.com/tillcraft/pos-api/internal/jobs"
)

func main() {
	database := db.Connect(os.Getenv("DATABASE_URL"))
	rdb := cache.Connect(os.Getenv("REDIS_ADDR"), os.Getenv("REDIS_PASSWORD"))

	r := gin.Default()
	r.GET("/healthz", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})
	r.GET("/swagger/*any", ginSwagger.WrapHandler(swaggerFiles.Handler))

	api := r.Group("/api/v1")
	h := handlers.New(database, rdb)
	api.GET("/businesses/:businessId/products", h.ListProducts)
	api.POST("/businesses/:businessId/orders", h.CreateOrder)
	api.POST("/webhooks/stripe", h.StripeWebhook)
	api.GET("/businesses/:businessId/orders/live", h.LiveOrders)

	jobs.Start(database)

	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Printf("pos-api listening on :%s", port)
	if err := r.Run(":" + port); err != nil {
		log.Fatal(err)
	}
}
