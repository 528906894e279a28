/*******************************************************************************
 * task_exact.c: the exact task: exact results for the configured target.
 *
 * int task_exact(task_ctx_t *ctx)
 *   target.type = "lattice" (D = 2, enforced when the configuration is
 *   validated): the periodic L_0 x L_1 lattice, SU(N) Wilson action at
 *   action.beta, by the character expansion (exact.h,
 *   exact_lattice2d_volume).  Z = sum_r c_r^V depends on the torus only
 *   through V = L_0 L_1, so non-square lattices are computed too.
 *   Summary: exact.plaquette, exact.ReTrU2, exact.lnZ, exact.lnZ_per_plaquette,
 *   exact.plaquette_infinite_volume, exact.volume, exact.representations,
 *   exact.tail_bound (relative truncation bound of Z), exact.obs_tail_bound
 *   (absolute bound for plaquette and ReTrU2), exact.rounding_error.
 *   target.type = "single": one SU(N) matrix with the coefficients
 *   target.c (exact_single).  Summary: exact.logZ, exact.ReTrU_over_N,
 *   exact.ReTrU2_over_N, exact.ReTrU3_over_N, exact.quadrature_points,
 *   exact.quadrature_error.
 *   Both: exact.target, exact.N, exact.beta.
 *   Every rank computes the same numbers (serial, deterministic); rank 0
 *   prints them.  Returns EMF_EXIT_OK.  Ends the run (ERROR) with
 *   EMF_EXIT_CONFIG for a lattice with D != 2 (normally caught at
 *   validation) and EMF_EXIT_RUNTIME when the exact module fails or cannot
 *   reach its accuracy target (EMF_ETOL: e.g. SU(3) at beta > ~1000, or
 *   N too large for the single-matrix quadrature).
 *
 * Context: collective over ctx->comm (every rank calls it); no
 * communication besides the error agreement.
 ******************************************************************************/
#include <math.h>
#include "cfg.h"
#include "exact.h"
#include "tasks.h"
#include "util.h"

/* What a status of the exact module means here. */
static const char *status_text(int st)
{
  switch (st) {
  case EMF_ETOL: return "accuracy target not reached";
  case EMF_EDOM: return "beta outside the supported range";
  case EMF_ENOTSUP: return "N too large for the quadrature";
  case EMF_ENOMEM: return "out of memory";
  case EMF_EINVAL: return "invalid arguments";
  default: return "failed";
  }
}

static int task_exact_lattice(task_ctx_t *ctx)
{
  const parms_t *p = ctx->p;
  const lattice_parms_t *l = &p->lattice;
  exact_lattice2d_t r, rinf;
  long V;
  int st, st_inf;

  ERROR_ROOT(l->D != 2, EMF_EXIT_CONFIG,
             "task exact with target.type = \"lattice\" needs a 2D lattice "
             "(lattice.extent has %d entries)", l->D);
  V = (long)l->extent[0] * (long)l->extent[1];
  st = exact_lattice2d_volume(l->N, p->action.beta, V, &r);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_RUNTIME,
        "exact: SU(%d), beta = %g, %dx%d lattice: %s (tail bound %.3g, "
        "rounding %.3g)", l->N, p->action.beta, l->extent[0], l->extent[1],
        status_text(st), r.tail_bound, r.round_err);
  st_inf = exact_lattice2d_volume(l->N, p->action.beta, 0, &rinf);
  message("exact: SU(%d) beta = %.17g, %dx%d lattice (V = %ld plaquettes)", l->N,
          p->action.beta, l->extent[0], l->extent[1], V);
  message("exact: plaquette %.17g, ReTrU2 %.17g, lnZ %.17g", r.plaquette, r.retr_u2,
          r.lnZ);
  message("exact: %ld representations, truncation bounds %.3g (Z, relative), %.3g "
          "(observables)", r.n_terms, r.tail_bound, r.obs_tail_bound);

  report_set_string(ctx->summary, "exact.target", "lattice");
  report_set_int(ctx->summary, "exact.N", l->N);
  report_set_number(ctx->summary, "exact.beta", p->action.beta);
  report_set_ints(ctx->summary, "exact.extent", l->extent, 2);
  report_set_int(ctx->summary, "exact.volume", V);
  report_set_number(ctx->summary, "exact.plaquette", r.plaquette);
  report_set_number(ctx->summary, "exact.ReTrU2", r.retr_u2);
  report_set_number(ctx->summary, "exact.lnZ", r.lnZ);
  report_set_number(ctx->summary, "exact.lnZ_per_plaquette", r.lnZ_per_plaq);
  report_set_number(ctx->summary, "exact.plaquette_infinite_volume",
                    st_inf == EMF_SUCCESS ? rinf.plaquette : NAN);
  report_set_int(ctx->summary, "exact.representations", r.n_terms);
  report_set_number(ctx->summary, "exact.tail_bound", r.tail_bound);
  report_set_number(ctx->summary, "exact.obs_tail_bound", r.obs_tail_bound);
  report_set_number(ctx->summary, "exact.rounding_error", r.round_err);
  return EMF_EXIT_OK;
}

static int task_exact_single(task_ctx_t *ctx)
{
  const parms_t *p = ctx->p;
  exact_single_t r;
  int st;

  st = exact_single(p->lattice.N, p->action.beta, p->target.c, p->target.n_c, &r);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_RUNTIME,
        "exact: single SU(%d) matrix, beta = %g, %d coefficients: %s", p->lattice.N,
        p->action.beta, p->target.n_c, status_text(st));
  message("exact: single SU(%d) matrix, beta = %.17g, %d coefficient%s", p->lattice.N,
          p->action.beta, p->target.n_c, p->target.n_c == 1 ? "" : "s");
  message("exact: logZ %.17g, <Re tr U^k/N> = %.17g, %.17g, %.17g (quadrature %d "
          "points per angle, error %.3g)", r.logZ, r.retr_uk_over_n[0],
          r.retr_uk_over_n[1], r.retr_uk_over_n[2], r.n_points, r.quad_err);
  report_set_string(ctx->summary, "exact.target", "single");
  report_set_int(ctx->summary, "exact.N", p->lattice.N);
  report_set_number(ctx->summary, "exact.beta", p->action.beta);
  report_set_numbers(ctx->summary, "exact.c", p->target.c, p->target.n_c);
  report_set_number(ctx->summary, "exact.logZ", r.logZ);
  report_set_number(ctx->summary, "exact.ReTrU_over_N", r.retr_uk_over_n[0]);
  report_set_number(ctx->summary, "exact.ReTrU2_over_N", r.retr_uk_over_n[1]);
  report_set_number(ctx->summary, "exact.ReTrU3_over_N", r.retr_uk_over_n[2]);
  report_set_int(ctx->summary, "exact.quadrature_points", r.n_points);
  report_set_number(ctx->summary, "exact.quadrature_error", r.quad_err);
  return EMF_EXIT_OK;
}

int task_exact(task_ctx_t *ctx)
{
  if (ctx->p->target.type == TARGET_SINGLE) return task_exact_single(ctx);
  return task_exact_lattice(ctx);
}
