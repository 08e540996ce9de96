/* test_optim: RMSprop and Adam against hand-worked values (two steps each), global-norm
 * clipping, state layout and argument validation. */
#include <string.h>

#include "model/optim.h"
#include "tests/test_util.h"

/* RMSprop, lr 0.1, rho 0.9, eps 1e-7; w = (1, -2); g1 = (0.5, -1); g2 = (-0.25, 2).
 * step 1: ms = 0.1 g^2 = (0.025, 0.1)
 *         w0 = 1 - 0.1*0.5/(sqrt(0.025)+1e-7) = 1 - 0.05/0.1581140 = 0.6837724
 *         w1 = -2 + 0.1*1/(sqrt(0.1)+1e-7)    = -2 + 0.1/0.3162279 = -1.6837723
 * step 2: ms = 0.9 ms + 0.1 g^2 = (0.0225 + 0.00625, 0.09 + 0.4) = (0.02875, 0.49)
 *         w0 = 0.6837724 + 0.1*0.25/0.1695583 = 0.6837724 + 0.1474419 = 0.8312143
 *         w1 = -1.6837723 - 0.1*2/0.7000001    = -1.6837723 - 0.2857142 = -1.9694865 */
static void test_rmsprop(void) {
    optim *o = optim_create(HS_OPT_RMSPROP, 2, 0.1f);
    CHECK(o != NULL, "create");
    if (!o) return;
    float w[2] = {1.0f, -2.0f}, g1[2] = {0.5f, -1.0f}, g2[2] = {-0.25f, 2.0f};
    optim_step(o, w, g1);
    CHECK_NEAR(optim_state(o)[0], 0.025, 1e-8); /* float: 1-0.9f = 0.100000024 */
    CHECK_NEAR(optim_state(o)[1], 0.1, 1e-7);
    CHECK_NEAR(w[0], 0.6837724, 2e-7);
    CHECK_NEAR(w[1], -1.6837723, 2e-7);
    optim_step(o, w, g2);
    CHECK_NEAR(optim_state(o)[0], 0.02875, 1e-8);
    CHECK_NEAR(optim_state(o)[1], 0.49, 3e-7);
    CHECK_NEAR(w[0], 0.8312143, 3e-7);
    CHECK_NEAR(w[1], -1.9694865, 3e-7);
    CHECK(optim_state_size(o) == 2 && optim_iterations(o) == 2, "state size / iterations");
    optim_free(o);
}

/* Adam, lr 0.1, b1 0.9, b2 0.999, eps 1e-7; same w and gradients.
 * step 1: m = 0.1 g = (0.05, -0.1); v = 0.001 g^2 = (0.00025, 0.001)
 *         lr_1 = 0.1 sqrt(1-0.999)/(1-0.9) = 0.0316228
 *         w0 = 1 - 0.0316228*0.05/(0.0158114+1e-7)  = 0.9000006
 *         w1 = -2 + 0.0316228*0.1/(0.0316228+1e-7)  = -1.9000003
 * step 2: m = 0.9 m + 0.1 g = (0.045-0.025, -0.09+0.2) = (0.02, 0.11)
 *         v = 0.999 v + 0.001 g^2 = (0.00024975+0.0000625, 0.000999+0.004) = (0.00031225, 0.004999)
 *         lr_2 = 0.1 sqrt(1-0.999^2)/(1-0.9^2) = 0.1*0.0447102/0.19 = 0.0235317
 *         w0 = 0.9000006 - 0.0235317*0.02/(0.0176706+1e-7)  = 0.9000006 - 0.0266335 = 0.8733671
 *         w1 = -1.9000003 - 0.0235317*0.11/(0.0707036+1e-7) = -1.9000003 - 0.0366103 = -1.9366106 */
static void test_adam(void) {
    optim *o = optim_create(HS_OPT_ADAM, 2, 0.1f);
    CHECK(o != NULL, "create");
    if (!o) return;
    float w[2] = {1.0f, -2.0f}, g1[2] = {0.5f, -1.0f}, g2[2] = {-0.25f, 2.0f};
    optim_step(o, w, g1);
    CHECK_NEAR(w[0], 0.9000006, 3e-7);
    CHECK_NEAR(w[1], -1.9000003, 3e-7);
    optim_step(o, w, g2);
    const float *s = optim_state(o);
    CHECK_NEAR(s[0], 0.02, 1e-8);
    CHECK_NEAR(s[1], 0.11, 1e-7);
    /* float: 1-0.999f = 0.00099998713, so v is 1.3e-5 relative below the exact value */
    CHECK_NEAR(s[2], 0.00031225, 0.00031225 * 2e-5);
    CHECK_NEAR(s[3], 0.004999, 0.004999 * 2e-5);
    CHECK_NEAR(w[0], 0.8733671, 5e-7);
    CHECK_NEAR(w[1], -1.9366106, 5e-7);
    CHECK(optim_state_size(o) == 4 && optim_iterations(o) == 2, "state size / iterations");
    optim_free(o);
}

/* ||(3, 4)|| = 5: clip to 1 gives (0.6, 0.8); a larger or zero max leaves it alone. */
static void test_clip(void) {
    float g[2] = {3.0f, 4.0f};
    CHECK_NEAR(optim_clip_global_norm(g, 2, 10.0f), 5.0, 1e-6);
    CHECK(g[0] == 3.0f && g[1] == 4.0f, "no clip below max");
    CHECK_NEAR(optim_clip_global_norm(g, 2, 0.0f), 5.0, 1e-6);
    CHECK(g[0] == 3.0f && g[1] == 4.0f, "max 0 disables");
    CHECK_NEAR(optim_clip_global_norm(g, 2, 1.0f), 5.0, 1e-6);
    CHECK_NEAR(g[0], 0.6, 1e-7);
    CHECK_NEAR(g[1], 0.8, 1e-7);
}

static void test_bad_args(void) {
    CHECK(optim_create(HS_OPT_ADAM, 0, 0.1f) == NULL, "n 0");
    CHECK(optim_create(HS_OPT_ADAM, 3, 0.0f) == NULL, "lr 0");
    CHECK(optim_create(HS_OPT_RMSPROP, 3, -1.0f) == NULL, "lr < 0");
    CHECK(optim_create(HS_OPT_RMSPROP, 3, NAN) == NULL, "lr nan");
    CHECK(optim_create((hs_optimizer)9, 3, 0.1f) == NULL, "unknown kind");
    optim_free(NULL);
}

int main(void) {
    test_isa_init();
    test_rmsprop();
    test_adam();
    test_clip();
    test_bad_args();
    return test_failures("test_optim");
}
