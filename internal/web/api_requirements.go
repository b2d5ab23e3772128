package web

import (
	"context"
	"net/http"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/catalog"
)

// The requirement catalogue over the API: what the law asks, with the
// standards mapped to it, as JSON and as an OSCAL catalog that governance
// tools import. Public, like the page at /requirements: it is about the
// law, not about this installation.

type oscalOut struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

// oscalFileName is the name an OSCAL download is saved under.
func oscalFileName(c *catalog.Catalogue) string {
	return "psti-requirements-" + c.Version + ".oscal.json"
}

// defaultOSCAL is the embedded catalogue as OSCAL, made once: it changes
// only with the binary.
var defaultOSCAL = sync.OnceValues(func() ([]byte, error) { return catalog.OSCAL(catalog.DefaultCatalogue()) })

func (s *Server) registerRequirementsAPI() {
	tags := []string{"Requirements"}
	register(s, huma.Operation{OperationID: "get-requirements", Method: http.MethodGet, Path: "/requirements", Tags: tags,
		Summary: "Read the requirement catalogue",
		Description: "What the UK product security regime asks, each requirement with its id (PSTI-PW-01), a summary in plain words, its source in the law, " +
			"who it binds, how sure the reading is (confidence), the standards and labels that deem it met, and related provisions of ETSI EN 303 645 and the EU Cyber Resilience Act. " +
			"The version changes whenever the catalogue does. No token is needed."}, auth.Public,
		func(ctx context.Context, _ *struct{}) (*itemOut[catalog.Catalogue], error) {
			return &itemOut[catalog.Catalogue]{Body: catalog.DefaultCatalogue()}, nil
		})
	register(s, huma.Operation{OperationID: "get-requirements-oscal", Method: http.MethodGet, Path: "/requirements/oscal", Tags: tags,
		Summary: "Download the requirement catalogue as OSCAL",
		Description: "The same catalogue as an OSCAL " + catalog.OSCALVersion + " catalog (JSON), to import into governance, risk and compliance tools. " +
			"Each requirement is a control whose id is its requirement id in lower case (psti-pw-01), with the requirement id in the prop label; " +
			"links of rel deemed-compliance and informative point at the standards' provisions in the back matter. " +
			"The file is the same for the same catalogue version. No token is needed.",
		Responses: map[string]*huma.Response{"200": {Description: "The OSCAL catalog.", Content: map[string]*huma.MediaType{
			"application/json": {Schema: &huma.Schema{Type: huma.TypeObject, Required: []string{"catalog"}, Description: "An OSCAL " + catalog.OSCALVersion + " catalog."}}}}}}, auth.Public,
		func(ctx context.Context, _ *struct{}) (*oscalOut, error) {
			data, err := defaultOSCAL()
			if err != nil {
				return nil, err
			}
			return &oscalOut{ContentType: "application/json", ContentDisposition: `attachment; filename="` + oscalFileName(catalog.DefaultCatalogue()) + `"`, Body: data}, nil
		})
}
