/*******************************************************************************
 * attr.c: writing and checked reading of HDF5 attributes (module-internal).
 *
 * int io_attr_write(hid_t obj, const char *name, hid_t ftype, hid_t mtype,
 *                   int n, const void *v)
 *   Creates attribute name on obj with file type ftype from n values of
 *   memory type mtype: a scalar for n == 1, a 1-D array [n] otherwise.
 *   Returns 0, or -1 on any HDF5 failure.
 *
 * int io_attr_write_string(hid_t obj, const char *name, const char *s)
 *   Fixed-length, NUL-terminated ASCII string attribute.  0 or -1.
 *
 * int io_attr_exists(hid_t obj, const char *name)
 *   1 if the attribute exists, 0 if not (or on error).
 *
 * int io_attr_read_ints(obj, name, long long *v, int n, where, msg, msglen)
 * int io_attr_read_u64(obj, name, uint64_t *v, where, msg, msglen)
 * int io_attr_read_double(obj, name, double *v, where, msg, msglen)
 * int io_attr_read_string(obj, name, char *s, int len, where, msg, msglen)
 *   Read an attribute after checking that it exists, has the expected type
 *   class (integer, float, string) and the expected number of elements (n,
 *   or 1).  Strings may be fixed or variable length; longer ones than len-1
 *   characters are refused.  Return EMF_SUCCESS, or EMF_EFORMAT with
 *   "<where>: attribute '<name>' ..." in msg.
 *
 * Context: local calls (in a parallel file, writes are collective through
 * HDF5: every rank must make the same calls with the same values).
 ******************************************************************************/
#include <stdlib.h>
#include <string.h>
#include "io_int.h"

int io_attr_write(hid_t obj, const char *name, hid_t ftype, hid_t mtype,
                  int n, const void *v)
{
  hsize_t dim = (hsize_t)n;
  hid_t space = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
  hid_t aid;
  int rc = -1;
  if (space < 0) return -1;
  aid = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
  if (aid >= 0) {
    rc = H5Awrite(aid, mtype, v) < 0 ? -1 : 0;
    if (H5Aclose(aid) < 0) rc = -1;
  }
  H5Sclose(space);
  return rc;
}

int io_attr_write_string(hid_t obj, const char *name, const char *s)
{
  hid_t type = H5Tcopy(H5T_C_S1);
  int rc = -1;
  if (type < 0) return -1;
  if (H5Tset_size(type, strlen(s) + 1) >= 0 && H5Tset_strpad(type, H5T_STR_NULLTERM) >= 0)
    rc = io_attr_write(obj, name, type, type, 1, s);
  H5Tclose(type);
  return rc;
}

int io_attr_exists(hid_t obj, const char *name) { return H5Aexists(obj, name) > 0; }

/* Opens attribute name of obj, checking class and element count. */
static int attr_open(hid_t obj, const char *name, H5T_class_t cls, long n,
                     const char *where, char *msg, int msglen, hid_t *aid,
                     hid_t *ftype)
{
  static const char *const cname[] = {"integer", "float", "time", "string"};
  hid_t space;
  hssize_t np;
  H5T_class_t got;
  *aid = *ftype = H5I_INVALID_HID;
  if (H5Aexists(obj, name) <= 0)
    return io_fail(msg, msglen, EMF_EFORMAT, "%s: attribute '%s' is missing", where, name);
  *aid = H5Aopen(obj, name, H5P_DEFAULT);
  if (*aid < 0)
    return io_fail(msg, msglen, EMF_EFORMAT, "%s: cannot open attribute '%s'", where, name);
  *ftype = H5Aget_type(*aid);
  got = *ftype >= 0 ? H5Tget_class(*ftype) : H5T_NO_CLASS;
  if (got != cls) {
    H5Aclose(*aid);
    if (*ftype >= 0) H5Tclose(*ftype);
    *aid = *ftype = H5I_INVALID_HID;
    return io_fail(msg, msglen, EMF_EFORMAT, "%s: attribute '%s' is not of %s type",
                   where, name, cname[cls]);
  }
  space = H5Aget_space(*aid);
  np = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
  if (space >= 0) H5Sclose(space);
  if (np != n) {
    H5Aclose(*aid);
    H5Tclose(*ftype);
    *aid = *ftype = H5I_INVALID_HID;
    return io_fail(msg, msglen, EMF_EFORMAT, "%s: attribute '%s' has %lld values, expected %ld",
                   where, name, (long long)np, n);
  }
  return EMF_SUCCESS;
}

static int attr_read(hid_t obj, const char *name, H5T_class_t cls, long n,
                     hid_t mtype, void *v, const char *where, char *msg, int msglen)
{
  hid_t aid, ftype;
  int status = attr_open(obj, name, cls, n, where, msg, msglen, &aid, &ftype);
  if (status != EMF_SUCCESS) return status;
  if (H5Aread(aid, mtype, v) < 0)
    status = io_fail(msg, msglen, EMF_EFORMAT, "%s: cannot read attribute '%s'", where, name);
  H5Tclose(ftype);
  H5Aclose(aid);
  return status;
}

int io_attr_read_ints(hid_t obj, const char *name, long long *v, int n,
                      const char *where, char *msg, int msglen)
{
  return attr_read(obj, name, H5T_INTEGER, n, H5T_NATIVE_LLONG, v, where, msg, msglen);
}

int io_attr_read_u64(hid_t obj, const char *name, uint64_t *v,
                     const char *where, char *msg, int msglen)
{
  unsigned long long x = 0;
  int status = attr_read(obj, name, H5T_INTEGER, 1, H5T_NATIVE_ULLONG, &x, where, msg, msglen);
  *v = (uint64_t)x;
  return status;
}

int io_attr_read_double(hid_t obj, const char *name, double *v,
                        const char *where, char *msg, int msglen)
{
  return attr_read(obj, name, H5T_FLOAT, 1, H5T_NATIVE_DOUBLE, v, where, msg, msglen);
}

int io_attr_read_string(hid_t obj, const char *name, char *s, int len,
                        const char *where, char *msg, int msglen)
{
  hid_t aid, ftype, mtype;
  int status = attr_open(obj, name, H5T_STRING, 1, where, msg, msglen, &aid, &ftype);
  if (status != EMF_SUCCESS) return status;
  /* The memory type takes the file's character set (h5py writes UTF-8) and,
   * for fixed-length strings, one byte more with a NUL terminator, so that
   * strings stored without a NUL (NULLPAD, SPACEPAD) keep their last byte. */
  mtype = H5Tcopy(H5T_C_S1);
  if (mtype >= 0 && H5Tset_cset(mtype, H5Tget_cset(ftype)) < 0) {
    H5Tclose(mtype);
    mtype = -1;
  }
  if (H5Tis_variable_str(ftype) > 0) {
    char *p = NULL;
    if (mtype < 0 || H5Tset_size(mtype, H5T_VARIABLE) < 0 || H5Aread(aid, mtype, &p) < 0 ||
        p == NULL)
      status = io_fail(msg, msglen, EMF_EFORMAT, "%s: cannot read attribute '%s'", where, name);
    else if (strlen(p) >= (size_t)len)
      status = io_fail(msg, msglen, EMF_EFORMAT, "%s: attribute '%s' is too long", where, name);
    else
      strcpy(s, p);
    if (p != NULL) H5free_memory(p);
  } else {
    size_t size = H5Tget_size(ftype);
    char *buf = size > 0 && size < 65536 ? calloc(size + 1, 1) : NULL;
    if (buf == NULL || mtype < 0 || H5Tset_size(mtype, size + 1) < 0 ||
        H5Tset_strpad(mtype, H5T_STR_NULLTERM) < 0 || H5Aread(aid, mtype, buf) < 0)
      status = io_fail(msg, msglen, EMF_EFORMAT, "%s: cannot read attribute '%s'", where, name);
    else if (strlen(buf) >= (size_t)len)
      status = io_fail(msg, msglen, EMF_EFORMAT, "%s: attribute '%s' is too long", where, name);
    else
      strcpy(s, buf);
    free(buf);
  }
  if (mtype >= 0) H5Tclose(mtype);
  H5Tclose(ftype);
  H5Aclose(aid);
  return status;
}
