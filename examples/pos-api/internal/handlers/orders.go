package handlers

import (
	"io"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"
	"github.com/stripe/stripe-go/v76/webhook"
)

var upgrader = websocket.Upgrader{CheckOrigin: func(r *http.Request) bool { return true }}

type orderRequest struct {
	StaffID int64 `json:"staffId"`
	Items   []struct {
		ProductID int64 `json:"productId"`
		Quantity  int   `json:"quantity"`
	} `json:"items"`
}

// CreateOrder godoc
// @Summary      Record a sale
// @Tags         orders
// @Param        businessId  path  int  true  "Business ID"
// @Success      201
// @Router       /businesses/{businessId}/orders [post]
func (h *Handler) CreateOrder(c *gin.Context) {
	var req orderRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	var orderID int64
	h.db.Raw("INSERT INTO orders (business_id, staff_id, status) VALUES ($1, $2, 'open') RETURNING id", c.Param("businessId"), req.StaffID).Scan(&orderID)
	for _, it := range req.Items {
		h.db.Exec("INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) SELECT $1, id, $2, price_cents FROM products WHERE id = $3", orderID, it.Quantity, it.ProductID)
	}
	c.JSON(http.StatusCreated, gin.H{"id": orderID})
}

// StripeWebhook godoc
// @Summary      Stripe payment events
// @Router       /webhooks/stripe [post]
func (h *Handler) StripeWebhook(c *gin.Context) {
	payload, _ := io.ReadAll(c.Request.Body)
	event, err := webhook.ConstructEvent(payload, c.GetHeader("Stripe-Signature"), os.Getenv("STRIPE_WEBHOOK_SECRET"))
	if err != nil {
		c.Status(http.StatusBadRequest)
		return
	}
	if event.Type == "payment_intent.succeeded" {
		h.db.Exec("UPDATE orders SET status = 'paid', paid_at = now() WHERE stripe_payment_intent = $1", event.Data.Object["id"])
	}
	c.Status(http.StatusOK)
}

// LiveOrders streams new orders to the kitchen display over a WebSocket.
func (h *Handler) LiveOrders(c *gin.Context) {
	conn, err := upgrader.Upgrade(c.Writer, c.Request, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	sub := h.rdb.Subscribe(c, "orders:"+c.Param("businessId"))
	for msg := range sub.Channel() {
		if conn.WriteMessage(websocket.TextMessage, []byte(msg.Payload)) != nil {
			return
		}
	}
}
