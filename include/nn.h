/*******************************************************************************
 * nn.h: the potential network F(f, t; theta) of the flow and its optimizer.
 *
 * A multilayer perceptron with smooth activations whose input derivatives are
 * propagated forward as jets, and whose parameter and input gradients come
 * from explicit backward functions, one pair per layer (doc/nn.md).
 *
 * Per sample the network reads x in R^m (the power-sum features f), a
 * symmetric m x m matrix G and a vector h in R^m, and, shared by the batch,
 * the time t (through the features e(t) in R^p).  It returns
 *   F(x, t),  g = dF/dx (m),  L = sum_jk (d^2F/dx_j dx_k) G_jk + sum_j g_j h_j.
 *
 * Jet layout.  Every activation buffer has the shape (n_batch, n_ch, n) with
 * n_ch = m + 2 channels: channel 0 the value, channels 1..m its derivative
 * d/dx_j, channel m+1 the "Laplacian" channel.  The network output has the
 * shape (n_batch, m + 2): F, g_1..g_m, L.
 *
 * Parameters live in one flat array of n_params doubles; nn_point_params()
 * points an nn_params_t at any such array (parameters, gradients, Adam
 * moments).  A dense weight w of a layer with n_in inputs and n_out outputs
 * has the shape (n_in, n_out) (row-major: w[i*n_out + o]), so y = x w + b.
 ******************************************************************************/
#ifndef NN_H
#define NN_H

#include <stddef.h>
#include <stdint.h>
#include "global.h"

#define NN_DEPTH_MAX 8                         /* hidden layers at most */
#define NN_NUM_PARAM_TENSORS (2 * (NN_DEPTH_MAX + 1))  /* w and b per layer */
#define NN_NX_MAX 16                           /* largest input dimension m */
#define NN_NFREQ_MAX 16                        /* largest number of frequencies */

/* ---- activations (act.c) ------------------------------------------------- */

/* An activation s and its first three derivatives, evaluated on n points:
 * s0[i] = s(z[i]), s1 = s', s2 = s'', s3 = s'''. */
typedef struct {
  const char *name;
  void (*eval)(double *s0, double *s1, double *s2, double *s3, const double *z,
               int n);
} nn_act_type_t;

extern const nn_act_type_t *const nn_act_tanh;
extern const nn_act_type_t *const nn_act_softplus;
extern const nn_act_type_t *const nn_act_silu;
extern const nn_act_type_t *const nn_act_sin;

/* Activation by name ("tanh", "softplus", "silu", "sin"); NULL if unknown. */
const nn_act_type_t *nn_act_lookup(const char *name);
/* NULL-terminated table of all activations (tests loop over it). */
const nn_act_type_t *const *nn_act_all(void);

/* ---- configuration and parameter layout (net.c) -------------------------- */

typedef struct {
  int n_x;      /* m: input features carrying jets (2K power sums) */
  int n_freq;   /* time features e(t) = (t, sin(pi k t), cos(pi k t)), k=1..n_freq */
  int width;    /* hidden width w */
  int depth;    /* number of hidden layers d, 1..NN_DEPTH_MAX */
  const nn_act_type_t *act;
} nn_config_t;

/* Shape comments: n0 = n_x + n_t input width, w = width. */
typedef struct {
  double *w[NN_DEPTH_MAX + 1];  /* w[l]: (n_in_l, n_out_l); l = depth: (w, 1) */
  double *b[NN_DEPTH_MAX + 1];  /* b[l]: (n_out_l) */
} nn_params_t;

typedef struct {
  nn_config_t cfg;
  int n_t;         /* p = 1 + 2 n_freq time features */
  int n_in;        /* n_x + n_t */
  int n_ch;        /* n_x + 2 jet channels */
  int n_layers;    /* depth + 1 dense layers */
  int n_tensors;   /* 2 n_layers */
  size_t sizes[NN_NUM_PARAM_TENSORS];  /* w0, b0, w1, b1, ..., w_d, b_d */
  size_t n_params;
} nn_t;

/* Checks cfg and fills net.  Returns EMF_SUCCESS or EMF_EINVAL. */
int nn_init(nn_t *net, const nn_config_t *cfg);
/* Fills sizes[0 .. 2*(depth+1)-1] (w_l then b_l per layer); returns the total. */
size_t nn_param_sizes(size_t *sizes, const nn_config_t *cfg);
/* Points p into the flat array base of net->n_params doubles. */
void nn_point_params(nn_params_t *p, const nn_t *net, double *base);
/* Fan-in of dense layer l (0 .. depth) and its output count. */
int nn_layer_n_in(const nn_t *net, int l);
int nn_layer_n_out(const nn_t *net, int l);
/* Time features e (n_t) at time t. */
void nn_time_features(double *e, const nn_t *net, double t);
/* Initial parameters from caller-supplied standard normals xi (n_params):
 * w[l] = gain * xi / sqrt(n_in_l) (LeCun normal, gain 1), b[l] = 0, and the
 * last layer scaled by last_scale (0: F = 0, the identity flow). */
void nn_init_params(double *theta, const nn_t *net, const double *xi,
                    double last_scale);

/* Same, normals of w_l from the Philox stream (seed, RNG_MISC, index l,
 * step NN_RNG_STEP). */
#define NN_RNG_STEP 0x6e6eu
void nn_init_params_seed(double *theta, const nn_t *net, uint64_t seed,
                         double last_scale);

/* ---- workspace (net.c) --------------------------------------------------- */

typedef struct {
  int n_batch_max;
  int n_cached;    /* n_batch of the last nn_forward (0: none kept) */
  double *x, *h;   /* (n_batch, m) inputs of the last forward */
  double e[1 + 2 * NN_NFREQ_MAX];  /* its time features */
  double *z[NN_DEPTH_MAX];      /* (n_batch, n_ch, w) hidden dense outputs */
  double *y0[NN_DEPTH_MAX];     /* (n_batch, w) activation values (the
                                   other jet rows are recomputed) */
  double *s[NN_DEPTH_MAX];      /* (n_batch, 3, w) s', s'', s''' at z value */
  double *q[NN_DEPTH_MAX];      /* (n_batch, w) z_j G_jk z_k */
  double *adj0, *adj1, *adj2;  /* (block, n_ch, w) scratch */
  double *wt;           /* (depth-1, w, w) transposed hidden weights */
  double *block;
} nn_workspace_t;

nn_workspace_t *nn_workspace_alloc(const nn_t *net, int n_batch_max);
void nn_workspace_free(nn_workspace_t *ws);

/* ---- layers (dense.c, input.c, act.c) ------------------------------------ */

/* y = x w (+ b on channel 0 only), rows (n_batch, n_ch).  n_ch = 1 is the
 * plain dense layer.  x: (n_batch, n_ch, n_in), y: (n_batch, n_ch, n_out),
 * w: (n_in, n_out), b: (n_out) or NULL.  Tuned kernel and naive reference. */
void nn_dense_jet_forward(double *y, const double *x, const double *w,
                          const double *b, int n_batch, int n_ch, int n_in,
                          int n_out);
void nn_dense_jet_forward_naive(double *y, const double *x, const double *w,
                                const double *b, int n_batch, int n_ch,
                                int n_in, int n_out);
/* Accumulates dx += dy w^T, dw += x^T dy, db += sum over channel-0 rows of
 * dy.  dx, dw, db may each be NULL (skipped). */
void nn_dense_jet_backward(double *dx, double *dw, double *db, const double *dy,
                           const double *x, const double *w, int n_batch,
                           int n_ch, int n_in, int n_out);
void nn_dense_jet_backward_naive(double *dx, double *dw, double *db,
                                 const double *dy, const double *x,
                                 const double *w, int n_batch, int n_ch,
                                 int n_in, int n_out);

/* dx += dy wt with the transposed weight wt (n_out, n_in): the dx part of
 * nn_dense_jet_backward by the forward kernel. */
void nn_dense_jet_backward_dx_t(double *dx, const double *dy, const double *wt,
                                int n_batch, int n_ch, int n_in, int n_out);
/* at (n_cols, n_rows) = a^T. */
void nn_transpose(double *at, const double *a, int n_rows, int n_cols);

/* (input.c) The input layer from the structure of the input jet of
 * [x, e(t)] (value [x, e], rows e_j, Laplacian [h, 0]):
 * z (n_batch, m+2, n_out): z0 = x w[0:m] + e w[m:] + b, z_j = w[j],
 * z_L = h w[0:m].  w: (m + n_t, n_out), x, h: (n_batch, m), e: (n_t). */
void nn_input_jet_forward(double *z, const double *x, const double *h,
                          const double *e, const double *w, const double *b,
                          int n_batch, int m, int n_t, int n_out);
/* Accumulates dx, dh (n_batch, m; may be NULL), dw, db (may be NULL). */
void nn_input_jet_backward(double *dx, double *dh, double *dw, double *db,
                           const double *dz, const double *x, const double *h,
                           const double *e, const double *w, int n_batch, int m,
                           int n_t, int n_out);

/* Activation jet, m = n_ch - 2 derivative channels:
 *   y0 = s(z0), y_j = s'(z0) z_j, y_L = s'(z0) z_L + s''(z0) q,
 *   q = sum_jk z_j G_jk z_k  (per unit; G: (n_batch, m, m)).
 * Caches s: (n_batch, 3, n) = s', s'', s''' and q: (n_batch, n). */
void nn_act_jet_forward(double *y, double *s, double *q, const double *z,
                        const double *G, const nn_act_type_t *act, int n_batch,
                        int n_ch, int n);
/* Accumulates dz (n_batch, n_ch, n) and dG (n_batch, m, m; may be NULL) from
 * dy, using the cached s and q of the forward call. */
void nn_act_jet_backward(double *dz, double *dG, const double *dy,
                         const double *z, const double *s, const double *q,
                         const double *G, int n_batch, int n_ch, int n);

/* ---- the whole network (net.c) ------------------------------------------- */

/* out (n_batch, m+2) = (F, g, L) per sample.  x: (n_batch, m), G: (n_batch,
 * m, m), h: (n_batch, m).  ws must come from nn_workspace_alloc for this
 * net.  Keeps x, h, e(t) and the layer caches in ws.  Returns EMF_SUCCESS,
 * or EMF_EINVAL if n_batch < 1 or exceeds the workspace (nothing computed). */
int nn_forward(double *out, nn_workspace_t *ws, const nn_t *net,
               const double *theta, const double *x, const double *G,
               const double *h, double t, int n_batch);
/* Same out (bitwise) without keeping caches: any n_batch >= 1, every block
 * in cache (for evaluation: sampling, validation).  EMF_EINVAL if
 * n_batch < 1.  A following nn_backward is refused. */
int nn_forward_eval(double *out, nn_workspace_t *ws, const nn_t *net,
                    const double *theta, const double *x, const double *G,
                    const double *h, double t, int n_batch);
/* After nn_forward on the same ws with the same theta, G (unchanged) and
 * n_batch (x, h, t are taken from ws): accumulates the gradient of
 * sum_b (dout_b . out_b) into dtheta (n_params), dx (n_batch, m),
 * dG (n_batch, m, m), dh (n_batch, m); any of dx, dG, dh may be NULL.
 * Returns EMF_SUCCESS, or EMF_EINVAL if n_batch differs from the last
 * nn_forward's (or the last call was nn_forward_eval). */
int nn_backward(double *dtheta, double *dx, double *dG, double *dh,
                nn_workspace_t *ws, const nn_t *net, const double *theta,
                const double *dout, const double *G, int n_batch);

/* ---- reduced jets along given directions (dir.c; evaluation only) -------- */

/* Input layer on the jet of [x, e(t)] along the r columns of V (per sample
 * m x r, row-major): z (n_batch, r+2, n_out) with z0 = x w[0:m] + e w[m:] + b,
 * z_i = sum_j V_ji w[j], z_L = h w[0:m].  V = identity gives
 * nn_input_jet_forward. */
void nn_input_dir_forward(double *z, const double *x, const double *V,
                          const double *h, const double *e, const double *w,
                          const double *b, int n_batch, int m, int r, int n_t,
                          int n_out);
/* out (n_batch, r+2) = (F, d_1..d_r, L) per sample with d_i = g . V_i and
 * L = sum_ij (V_i^T H V_j) M_ij + g . h (g, H: gradient and Hessian of F in
 * x).  V: (n_batch, m, r), M: (n_batch, r, r), x, h: (n_batch, m).  If
 * G = V M V^T, L equals nn_forward's L.  No caches are kept (nn_backward is
 * refused after it).  Fused per-sample kernel for tanh/silu, r <= 3 and a
 * width that is a multiple of 2 NN_VL; else nn_forward_dir_ref.  Returns
 * EMF_SUCCESS or EMF_EINVAL (n_batch < 1, r outside 1..n_x). */
int nn_forward_dir(double *out, nn_workspace_t *ws, const nn_t *net,
                   const double *theta, const double *x, const double *V,
                   const double *M, const double *h, double t, int n_batch,
                   int r);
/* The same from the layer kernels, any activation and width (reference). */
int nn_forward_dir_ref(double *out, nn_workspace_t *ws, const nn_t *net,
                       const double *theta, const double *x, const double *V,
                       const double *M, const double *h, double t, int n_batch,
                       int r);

/* ---- optimizer (adam.c) -------------------------------------------------- */

typedef enum { NN_LR_CONSTANT = 0, NN_LR_COSINE = 1 } nn_lr_schedule_t;

typedef struct {
  double lr;         /* peak learning rate */
  double beta1, beta2, eps;
  double weight_decay;  /* decoupled (AdamW); 0 for plain Adam */
  double clip_norm;     /* global gradient-norm clip; <= 0: none */
  nn_lr_schedule_t schedule;
  long warmup_steps;    /* linear warm-up from 0 over this many steps */
  long total_steps;     /* cosine: decay to lr_min at this step */
  double lr_min;
} adam_parms_t;

/* Checkpointable state: parameters live elsewhere; m, v have n doubles. */
typedef struct {
  size_t n;
  long t;       /* steps taken */
  double *m, *v;
} adam_state_t;

/* Default hyper-parameters (lr 1e-3, 0.9, 0.999, 1e-8, no decay, no clip). */
adam_parms_t adam_parms_default(void);
/* EMF_SUCCESS or EMF_EINVAL (names nothing; callers name the key). */
int adam_parms_check(const adam_parms_t *ap);
adam_state_t *adam_alloc(size_t n);
void adam_free(adam_state_t *st);
void adam_reset(adam_state_t *st);
/* Learning rate for step number t (1-based: the step about to be taken). */
double adam_lr(const adam_parms_t *ap, long t);
/* Euclidean norm of g (n), accumulated in double-double. */
double adam_grad_norm(const double *g, size_t n);
/* One step: clips g in place to norm clip_norm (if set), then
 * t += 1, m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
 * theta -= lr_t (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps) + lr_t wd theta.
 * If norm_out is not NULL it receives the pre-clip norm.  Returns
 * EMF_SUCCESS, or EMF_ERANGE if the norm is not finite (nothing changed). */
int adam_step(double *theta, double *g, adam_state_t *st,
              const adam_parms_t *ap, double *norm_out);

#endif
