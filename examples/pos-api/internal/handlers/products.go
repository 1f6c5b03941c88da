package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

type Handler struct {
	db  *gorm.DB
	rdb *redis.Client
}

func New(db *gorm.DB, rdb *redis.Client) *Handler { return &Handler{db: db, rdb: rdb} }

type Product struct {
	ID         int64   `json:"id" gorm:"primaryKey"`
	BusinessID int64   `json:"businessId"`
	Name       string  `json:"name"`
	PriceCents int64   `json:"priceCents"`
	Active     bool    `json:"active"`
	Attributes []byte  `json:"attributes" gorm:"type:jsonb"`
}

// ListProducts godoc
// @Summary      List a business's products
// @Tags         products
// @Param        businessId  path  int  true  "Business ID"
// @Success      200  {array}  Product
// @Router       /businesses/{businessId}/products [get]
func (h *Handler) ListProducts(c *gin.Context) {
	key := fmt.Sprintf("business:%s:products", c.Param("businessId"))
	if cached, err := h.rdb.Get(c, key).Bytes(); err == nil {
		c.Data(http.StatusOK, "application/json", cached)
		return
	}
	var products []Product
	h.db.Raw("SELECT id, business_id, name, price_cents, active, attributes FROM products WHERE business_id = $1 AND active = true ORDER BY name", c.Param("businessId")).Scan(&products)
	body, _ := json.Marshal(products)
	h.rdb.Set(c, key, body, time.Hour)
	c.JSON(http.StatusOK, products)
}
