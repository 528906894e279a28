/*******************************************************************************
 * hmc.h: Hybrid Monte Carlo for gauge actions (action.h).
 *
 * Momenta P = sum_a p_a T_a on every owned link, p_a ~ N(0,1) from the
 * stream (seed, RNG_MOMENTA, global link index, trajectory); layout as the
 * force fields of action.h.  H = 1/2 sum p_a^2 + S, both summed in
 * double-double, so dH and accept/reject do not depend on the grid.
 * Molecular dynamics: dU/dt = P U (exact update U <- exp(eps P) U) and
 * dp_a/dt = -f_a with f the action gradient.  Accept with the uniform of
 * (seed, RNG_ACCEPT, 0, trajectory).  Conventions and integrators:
 * doc/hmc.md.
 ******************************************************************************/
#ifndef HMC_H
#define HMC_H

#include <stdint.h>
#include "action.h"

typedef struct hmc hmc_t;

/* An integrator: `integrate` runs n_steps MD steps of size eps on (u, p)
 * (kicks of consecutive steps merged), computing forces through
 * hmc_md_force.  Returns EMF_SUCCESS or the first error of a force or exp. */
typedef struct hmc_integrator_type {
  const char *name;        /* "leapfrog", "omelyan2mn" */
  int forces_per_step;     /* force evaluations per step (merged kicks) */
  int (*integrate)(hmc_t *h, gauge_t *u, double *p, double eps, int n_steps);
} hmc_integrator_type_t;

extern const hmc_integrator_type_t *const hmc_leapfrog;
extern const hmc_integrator_type_t *const hmc_omelyan2mn;

#define HMC_OMELYAN_LAMBDA 0.1931833275037836

typedef struct {
  double tau;                          /* trajectory length */
  int n_steps;                         /* MD steps per trajectory */
  const hmc_integrator_type_t *integrator;
  uint64_t seed;
  int check_reversibility;             /* 1: integrate back every trajectory */
  int measure_polyakov;                /* 1: record the Polyakov loop */
} hmc_parms_t;

/* One trajectory's record. */
typedef struct {
  long traj;               /* trajectory number (the RNG step) */
  double plaquette;        /* after accept/reject */
  double dH;               /* H(end) - H(start) */
  double exp_mdH;          /* exp(-dH) */
  double uniform;          /* accept/reject uniform */
  int accepted;
  double polyakov[2];      /* Re, Im of the Polyakov loop (NaN if off) */
  double rev_dU;           /* reversibility: max |U - U_back| (NaN if off) */
  double rev_dp;           /* reversibility: max |p - p_back| (NaN if off) */
  double seconds;          /* wall-clock time of the trajectory */
} hmc_record_t;

struct hmc {
  hmc_parms_t parms;
  const action_t *terms;   /* action terms (not owned) */
  int n_terms;
  gauge_t *u;              /* field the workspaces were sized for */
  double *p;               /* [force_len] momenta */
  double *f;               /* [force_len] force */
  double *p0;              /* [force_len] start momenta (reversibility) */
  cplx_t *u0;              /* [n_ext*D*nn] links at the start */
  cplx_t *u1;              /* [n_ext*D*nn] end links (reversibility check) */
  double *p1;              /* [force_len] end momenta (reversibility check) */
  size_t nf;               /* force_len */
  action_ws_t *ws;         /* vectorised-force workspace (NULL: none applies) */
  int in_box;              /* 1 between hmc_md_begin and hmc_md_end when the
                              links and momenta live in ws (action_ws_box_load) */
  long n_force;            /* force evaluations so far */
  long traj;               /* next trajectory number */
  long n_accepted;         /* accepted trajectories so far */
  double sum_exp_mdH;      /* running sum of exp(-dH) */
};

/* Per-trajectory callback: return 0 to continue, non-zero to stop. */
typedef int (*hmc_callback_t)(const hmc_record_t *rec, const gauge_t *u, void *arg);

/* hmc.c */
const hmc_integrator_type_t *hmc_integrator_get(const char *name); /* NULL if unknown */
hmc_t *hmc_alloc(const hmc_parms_t *parms, const action_t *terms, int n_terms,
                 gauge_t *u);                                /* NULL on failure */
void hmc_free(hmc_t *h);
/* Draw the momenta of trajectory traj into p.  Local. */
void hmc_draw_momenta(const hmc_t *h, const gauge_t *u, long traj, double *p);
/* H = 1/2 sum p^2 + S in double-double (exchanges halos).  Collective. */
int hmc_hamiltonian_all(hmc_t *h, gauge_t *u, const double *p, qsum_t *H);
/* f = force of the terms at u (exchanges halos, counts n_force).  Collective. */
int hmc_md_force(hmc_t *h, gauge_t *u);
/* Kick p -= c f (local); link update U <- exp(c P) U on owned links
 * (collective: the status is agreed over the ranks). */
void hmc_md_kick(hmc_t *h, double *p, double c);
int hmc_md_drift(hmc_t *h, gauge_t *u, const double *p, double c);
/* hmc_md_force then hmc_md_kick, bit for bit (fused where the links and
 * momenta live in h->ws; h->f is then not written).  Collective. */
int hmc_md_force_kick(hmc_t *h, gauge_t *u, double *p, double c);
/* Bracket an MD integration with momenta p (the integrators call them):
 * begin moves the links and p into h->ws where that applies (then
 * hmc_md_force_kick and hmc_md_drift act there; p is stale, hmc_md_kick
 * must not be called), end moves them back to u and p.  Local. */
void hmc_md_begin(hmc_t *h, gauge_t *u, const double *p);
void hmc_md_end(hmc_t *h, gauge_t *u, double *p);
/* One trajectory number h->traj (then h->traj++).  Collective. */
int hmc_trajectory(hmc_t *h, gauge_t *u, hmc_record_t *rec);
/* n_traj trajectories, cb (may be NULL) after each; returns EMF_SUCCESS,
 * the first error, or stops early when cb returns non-zero.  Collective. */
int hmc_run(hmc_t *h, gauge_t *u, long n_traj, hmc_callback_t cb, void *arg);

#endif
