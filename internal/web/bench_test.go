package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// BenchmarkProductList measures authenticated requests for the product list
// (50 products, each with a manufacturer and an identifier) over loopback
// HTTP with keep-alive, on each back end. Each request checks the API token
// against the database and reads the list with its links. The client runs in
// the same process, so client and server share the machine's cores.
//
//	go test -run '^$' -bench BenchmarkProductList -benchtime 5s ./internal/web/
func BenchmarkProductList(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend.Name, func(b *testing.B) {
			e := newEnv(b, backend)
			ctx := context.Background()
			seed := storetest.NewSeed(b, e.db)
			for i := range 49 {
				p := &product.Product{BrandID: seed.Brand.ID, Name: fmt.Sprintf("Camera %d", i), Type: "camera",
					ModelNumber: fmt.Sprintf("CAM-%03d", i), ManufacturerIDs: []int64{seed.Makers[0].ID},
					Identifiers: []product.Identifier{{Scheme: product.SchemeSKU, Value: fmt.Sprintf("SKU-%d", i)}}}
				if err := e.db.CreateProduct(ctx, psti.System("bench"), p); err != nil {
					b.Fatal(err)
				}
			}
			tr := &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}
			client := &http.Client{Transport: tr}
			url := e.ts.URL + "/api/v1/products"
			token := "Bearer " + e.tokens[auth.Viewer]
			b.SetParallelism(8) // 16 client goroutines on 2 cores
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("GET", url, nil)
					req.Header.Set("Authorization", token)
					res, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						b.Errorf("status %d", res.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}
