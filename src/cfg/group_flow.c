/*******************************************************************************
 * group_flow.c: schema of the group `flow` (flow_parms_t): the equivariant
 * manifold flow (doc/flow.md).
 *
 *   K            int 1..8, default 3       power sums Re/Im tr W^k, k = 1..K
 *   width        int >= 1, default 32      hidden width of the MLP F
 *   depth        int 1..8, default 2       hidden layers
 *   activation   "tanh" (default) | "softplus" | "silu" | "sin"
 *   time_freq    int 0..16, default 1      time features t, sin/cos(pi k t)
 *   init_scale   float >= 0, default 0.0   scale of the initial output layer
 *                                          (0: the identity flow)
 *   steps        int >= 1, default 10      fixed RKMK-RK4 steps on [0, 1]
 *                                          (training)
 *   shapes       array of "plaquette", "rectangle", "2x2", "1x3",
 *                "plaquette-pair", "corner" (each at most once), default
 *                ["plaquette"]             terms of the lattice flow, one
 *                                          F each: loop shapes, and the
 *                                          two-plaquette term of adjacent
 *                                          plaquettes
 *   model        "mlp" (default) | "linear" F of each lattice term: the
 *                                          MLP above, or linear in the
 *                                          features with time-dependent
 *                                          coefficients (doc/flow_lattice.md)
 *   time_basis   int 1..16, default 3      Legendre time functions of the
 *                                          linear model
 *   degree       int 1..2, default 1       linear model: monomials of the
 *                                          features up to this degree
 *   init         "zero" (default) | "lo"   lattice flow initialisation: the
 *                                          identity, or the leading-order
 *                                          trivialising map (linear model)
 *
 * Check: init = "lo" and degree 2 need model = "linear"; so does a
 * "plaquette-pair" entry in shapes, which also needs at least one loop
 * shape beside it (the pair term adds no loops of its own).
 *
 * Exports the descriptor cfg_group_flow (cfg_int.h).  Read-only.
 ******************************************************************************/
#include "cfg_int.h"

static const char *const acts[] = {"tanh", "softplus", "silu", "sin", NULL};
static const char *const shapes[] = {"plaquette", "rectangle", "2x2", "1x3",
                                     "plaquette-pair", "corner", NULL};
static const char *const models[] = {"mlp", "linear", NULL};
static const char *const inits[] = {"zero", "lo", NULL};

static const cfg_key_t keys[] = {
    {"K", CFG_INT, CFG_MIN | CFG_MAX, "3", 1, 8, 0, 0, NULL, CFG_OFF(flow.K), 0,
     CFG_SIZE(flow.K), "power sums Re tr W^k, Im tr W^k (k = 1..K) fed to the network"},
    {"width", CFG_INT, CFG_MIN | CFG_MAX, "32", 1, 4096, 0, 0, NULL, CFG_OFF(flow.width), 0,
     CFG_SIZE(flow.width), "hidden width of the potential network F"},
    {"depth", CFG_INT, CFG_MIN | CFG_MAX, "2", 1, 8, 0, 0, NULL, CFG_OFF(flow.depth), 0,
     CFG_SIZE(flow.depth), "hidden layers of the potential network F"},
    {"activation", CFG_ENUM, 0, "\"tanh\"", 0, 0, 0, 0, acts, CFG_OFF(flow.activation), 0,
     CFG_SIZE(flow.activation), "smooth activation of the hidden layers"},
    {"time_freq", CFG_INT, CFG_MIN | CFG_MAX, "1", 0, 16, 0, 0, NULL, CFG_OFF(flow.time_freq),
     0, CFG_SIZE(flow.time_freq),
     "time features (t, sin(pi k t), cos(pi k t)), k = 1..time_freq"},
    {"init_scale", CFG_FLOAT, CFG_MIN, "0.0", 0, 0, 0, 0, NULL, CFG_OFF(flow.init_scale), 0,
     CFG_SIZE(flow.init_scale),
     "scale of the initial output layer (0: start from the identity flow)"},
    {"steps", CFG_INT, CFG_MIN | CFG_MAX, "10", 1, 100000, 0, 0, NULL, CFG_OFF(flow.steps), 0,
     CFG_SIZE(flow.steps), "fixed RKMK-RK4 steps on [0, 1] used in training"},
    {"shapes", CFG_ENUM_ARRAY, CFG_UNIQUE, "[\"plaquette\"]", 0, 0, 1, FLOW_SHAPES_MAX, shapes,
     CFG_OFF(flow.shapes), CFG_OFF(flow.n_shapes), CFG_SIZE(flow.shapes),
     "terms of the lattice flow, one F each: loop shapes, and \"plaquette-pair\" (products "
     "of the traces of adjacent plaquettes and their figure-eights, linear model only)"},
    {"model", CFG_ENUM, 0, "\"mlp\"", 0, 0, 0, 0, models, CFG_OFF(flow.model), 0,
     CFG_SIZE(flow.model),
     "F of each lattice term: \"mlp\" (the network) or \"linear\" (linear in the features, "
     "time-dependent coefficients)"},
    {"time_basis", CFG_INT, CFG_MIN | CFG_MAX, "3", 1, 16, 0, 0, NULL, CFG_OFF(flow.time_basis),
     0, CFG_SIZE(flow.time_basis),
     "Legendre polynomials P_n(2t-1), n < time_basis, in the coefficients of the linear model"},
    {"degree", CFG_INT, CFG_MIN | CFG_MAX, "1", 1, 2, 0, 0, NULL, CFG_OFF(flow.degree), 0,
     CFG_SIZE(flow.degree),
     "polynomial degree of the linear model in the features: 1 (f_j) or 2 (also f_j f_k)"},
    {"init", CFG_ENUM, 0, "\"zero\"", 0, 0, 0, 0, inits, CFG_OFF(flow.init), 0,
     CFG_SIZE(flow.init),
     "lattice flow initialisation: \"zero\" (identity) or \"lo\" (leading-order trivialising "
     "map, linear model)"},
};

static void check(parms_t *p, cfg_ctx_t *ctx)
{
  if (p->flow.init == FLOW_INIT_LO && p->flow.model != FLOW_MODEL_LINEAR)
    cfg_fail(ctx, "flow.init", "\"lo\" needs flow.model = \"linear\" (the network F has no "
             "linear path to hold the leading-order map)");
  if (p->flow.degree != 1 && p->flow.model != FLOW_MODEL_LINEAR)
    cfg_fail(ctx, "flow.degree", "%d needs flow.model = \"linear\" (the network F is "
             "nonlinear in the features already)", p->flow.degree);
  for (int c = 0; c < p->flow.n_shapes; c++) {
    if (p->flow.shapes[c] != FLOW_SHAPE_PAIR) continue;
    if (p->flow.model != FLOW_MODEL_LINEAR)
      cfg_fail(ctx, "flow.shapes", "\"plaquette-pair\" needs flow.model = \"linear\" (its "
               "coefficients are the linear model's time functions)");
    else if (p->flow.n_shapes < 2)
      cfg_fail(ctx, "flow.shapes", "\"plaquette-pair\" needs at least one loop shape beside "
               "it (\"plaquette\", \"rectangle\", \"2x2\", \"1x3\" or \"corner\")");
  }
}

const cfg_group_t cfg_group_flow = {
    "flow", keys, (int)(sizeof keys / sizeof keys[0]), check,
    "the equivariant manifold flow: potential network and training integrator"};
