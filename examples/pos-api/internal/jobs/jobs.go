package jobs

import (
	"log"

	"github.com/robfig/cron/v3"
	"gorm.io/gorm"
)

// Start schedules the nightly close-out that settles open orders left from the day.
func Start(db *gorm.DB) {
	c := cron.New()
	c.AddFunc("30 3 * * *", func() {
		res := db.Exec("UPDATE orders SET status = 'abandoned' WHERE status = 'open' AND created_at < now() - interval '12 hours'")
		log.Printf("close-out: %d orders abandoned", res.RowsAffected)
	})
	c.Start()
}
